"""ASGI entry point: Django for HTTP, Channels for the WebSockets."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before any consumer (and so any model) is imported.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from transcripts.routing import websocket_urlpatterns
from transcripts.watch import WatchConsumer

# People watching a shared recording live (read-only).
watch_urlpatterns = [path("ws/watch/<str:token>/", WatchConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns + watch_urlpatterns))
        ),
    }
)
