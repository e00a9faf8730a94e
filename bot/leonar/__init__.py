"""Typed async client for the Leonar API. Knows nothing of Slack."""

from bot.leonar.client import LeonarClient
from bot.leonar.entries import NewEntry
from bot.leonar.errors import (
    AlreadyInProject,
    CheckIncomplete,
    InsufficientScope,
    InvalidApiKey,
    LeonarError,
    NotFound,
    RateLimited,
    ServerError,
    Unavailable,
    UnexpectedResponse,
    UserRateLimited,
    ValidationFailed,
)
from bot.leonar.linkedin import normalize_linkedin
from bot.leonar.models import Contact, Entry, Listing, Note, Project, RateLimit, Stage
from bot.leonar.scopes import CHECKED_SCOPES, LEARNT_SCOPES, RECOMMENDED_SCOPES, REQUIRED_SCOPES
from bot.leonar.shared import Leonar

__all__ = [
    "CHECKED_SCOPES",
    "LEARNT_SCOPES",
    "RECOMMENDED_SCOPES",
    "REQUIRED_SCOPES",
    "AlreadyInProject",
    "CheckIncomplete",
    "Contact",
    "Entry",
    "InsufficientScope",
    "InvalidApiKey",
    "Leonar",
    "LeonarClient",
    "LeonarError",
    "Listing",
    "NewEntry",
    "NotFound",
    "Note",
    "Project",
    "RateLimit",
    "RateLimited",
    "ServerError",
    "Stage",
    "Unavailable",
    "UnexpectedResponse",
    "UserRateLimited",
    "ValidationFailed",
    "normalize_linkedin",
]
