"""Typed async client for the Leonar API. Knows nothing of Slack."""

from bot.leonar.client import Leonar, LeonarClient
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
from bot.leonar.linkedin import normalize_linkedin
from bot.leonar.models import Contact, Entry, Listing, Project, RateLimit, Stage
from bot.leonar.scopes import RECOMMENDED_SCOPES, REQUIRED_SCOPES

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
    "Listing",
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
