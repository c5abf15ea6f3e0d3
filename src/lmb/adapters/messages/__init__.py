"""Citizen messages in Dutch, French and German: Jinja2 templates and gettext catalogues."""

from lmb.adapters.messages.catalogues import LANGUAGES
from lmb.adapters.messages.renderer import MessageRenderer, RenderedMessage, RenderError

__all__ = ["LANGUAGES", "MessageRenderer", "RenderError", "RenderedMessage"]
