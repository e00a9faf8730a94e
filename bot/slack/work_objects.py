"""Sending a link's unfurl as a Work Object (`chat.unfurl` with `metadata`), and the classic unfurl when Slack will not
show one (research slack-platform-3 §6, docs.slack.dev "Implementing Work Objects").

Slack's `chat.unfurl` page says "either unfurls or metadata must be provided": whether both may go together, and
which Slack would show then, it does not say. So the entities go alone, and the classic blocks — exactly the call
made before Work Objects — go when Slack answers that Work Objects are off for the app (`feature_not_enabled`) or
refuses the metadata (`invalid_metadata` and the like, or an `ok` whose `warning` names the metadata: Slack is
reported to drop bad metadata that way). Any other error is the message's (it is gone, the URL is not in it): the
classic call would meet it too, so it is only logged.

"Off for the app" is remembered per workspace for an hour (`services.Refusals`), in this process's memory: while it
lasts, links unfurl the classic way at once instead of paying a failing call each time; an admin who turns Work
Object Previews on sees them within the hour (or at the next restart). A refused metadata is not remembered: it is
that message's.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Refusals

log = logging.getLogger(__name__)
NOT_ENABLED = "feature_not_enabled"
# [INF] the errors meaning "not this metadata": the documented `feature_not_enabled` and `invalid_metadata`, and
# the errors Slack's message metadata (chat.postMessage's) answers for the same refusals.
METADATA_REFUSED = {NOT_ENABLED, "invalid_metadata", "invalid_metadata_format", "invalid_metadata_schema",
                    "metadata_too_large", "metadata_must_be_sent_from_app"}


async def send(client: AsyncWebClient, target: dict[str, Any], unfurls: dict[str, dict[str, Any]],
               entities: list[dict[str, Any]], refusals: Refusals, workspace: str) -> None:
    """The entities as Work Objects when Slack takes them, else `unfurls` as they always were."""
    if entities and not refusals.off(workspace):
        try:
            answer = await client.chat_unfurl(metadata={"entities": entities}, **target)
            warning = str(answer.get("warning") or "")
            if "metadata" not in warning:
                log.info("unfurled %d Leonar link(s) as Work Objects", len(entities))
                return
            log.info("Work Objects dropped by Slack (%s): classic unfurls", warning)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error not in METADATA_REFUSED:
                log.info("chat.unfurl refused: %s", error)
                return
            if error == NOT_ENABLED:
                refusals.turned_off(workspace)
            log.info("Work Objects refused in workspace %s (%s): classic unfurls", workspace, error)
    await classic(client, target, unfurls)


async def classic(client: AsyncWebClient, target: dict[str, Any], unfurls: dict[str, dict[str, Any]]) -> None:
    try:
        await client.chat_unfurl(unfurls=unfurls, **target)
        log.info("unfurled %d Leonar link(s)", len(unfurls))
    except SlackApiError as exc:
        log.info("chat.unfurl refused: %s", exc.response.get("error"))
