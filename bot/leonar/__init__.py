"""Typed async client for the Leonar API. Knows nothing of Slack."""

from bot.leonar.client import RECOMMENDED_SCOPES, REQUIRED_SCOPES, Leonar, LeonarClient, normalize_linkedin
from bot.leonar.errors import (
    AlreadyInProject,
    InsufficientScope,
    InvalidApiKey,
    LeonarError,
    NotFound,
    RateLimited,
    ServerError,
    Unavailable,
    UnexpectedResponse,
    ValidationFailed,
)
from bot.leonar.models import Contact, Entry, Project, RateLimit, Stage

__all__ = [
    "RECOMMENDED_SCOPES",
    "REQUIRED_SCOPES",
    "AlreadyInProject",
    "Contact",
    "Entry",
    "InsufficientScope",
    "InvalidApiKey",
    "Leonar",
    "LeonarClient",
    "LeonarError",
    "NotFound",
    "Project",
    "RateLimit",
    "RateLimited",
    "ServerError",
    "Stage",
    "Unavailable",
    "UnexpectedResponse",
    "ValidationFailed",
    "normalize_linkedin",
]
