"""Comments on a passage under review: threads the owner, editors and reviewer share."""
