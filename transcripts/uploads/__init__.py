"""Uploads: a file arrives in pieces, is judged by its content, and becomes a job."""
