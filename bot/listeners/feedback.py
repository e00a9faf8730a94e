"""Feedback requests: the "Ask for feedback" button (cards, unfurls), the form's menu, picks and submission, the
reviewers' answers and comments, and the requester's App Home buttons."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import t
from bot.leonar.links import UUID
from bot.manifest import COMMAND
from bot.slack import feedback_answers as answers
from bot.slack import feedback_form as form
from bot.slack.context import action_channel, connection, must_link, services, user_lang, workspace
from bot.slack.guard import guarded
from bot.slack.home_tab import publish
from bot.slack.menus import projects
from bot.slack.modals import open_view
from bot.store.feedback import VERDICTS
from bot.views import feedback as views
from bot.views import feedback_modal as modal
from bot.views.messages import ephemeral, failure_ack, notice_modal
from bot.views.options import NOTICE_VALUE

log = logging.getLogger(__name__)
ANSWERS = re.compile(f"^{views.ANSWER_ACTION}_({'|'.join(VERDICTS)})$")


async def ask_clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                      context: dict[str, Any]) -> None:
    await ack()
    contact_id, _, project_id = str(action.get("value") or "").partition(":")
    if not UUID.fullmatch(contact_id) or (project_id and not UUID.fullmatch(project_id)):
        log.info("feedback request refused: not a Leonar id")  # it reaches a Leonar path: a crafted value goes no
        return  # further
    if connection(context) is None:
        lang = await user_lang(context)
        await open_view(client, None, body["trigger_id"],
                        notice_modal("Leonar", t(lang, "admin.not_connected", command=COMMAND), lang), lang)
        return
    await form.open_form(client, None, body["trigger_id"], context, contact_id=contact_id.lower(),
                         project_id=project_id.lower() or None)


async def picked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                 context: dict[str, Any]) -> None:
    await ack()
    value = str((action.get("selected_option") or {}).get("value") or "")
    if value in ("", NOTICE_VALUE):
        return
    if action["action_id"] == modal.PROJECT_ACTION:
        await form.project_picked(client, body["view"], value, context)
    else:
        await form.stage_picked(client, body["view"], value, context)


async def submitted(ack: AsyncAck, view: dict[str, Any], context: dict[str, Any]) -> None:
    await ack(**await form.submit(view, context))


async def answered(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                   respond: AsyncRespond, context: dict[str, Any]) -> None:
    """Saved (its note's job recorded) before Slack is told the click arrived: an instance that dies first leaves
    the click unacknowledged, and Slack shows the reviewer it failed, to click again."""
    ref = views.AnswerRef.parse(action.get("value"))
    why = answers.REFUSED if ref is None else await answers.answer(
        client, context, ref, str(body["user"]["id"]), action_channel(body))
    await ack()
    if why is not None and body.get("response_url"):  # told privately; a request without one is only logged
        await respond(**ephemeral(answers.said(context, await user_lang(context), why)))


async def comment_clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                          respond: AsyncRespond, context: dict[str, Any]) -> None:
    """The trigger lives 3 s: the form opens from the store alone; who may answer is checked at its submission."""
    await ack()
    ref = views.AnswerRef.parse(action.get("value"))
    lang = await user_lang(context)
    if must_link(context):  # their answer would not be taken: said before they write a comment
        if body.get("response_url"):
            await respond(**ephemeral(answers.said(context, lang, answers.LINK_FIRST)))
        return
    request = (await services(context).store.feedback.get(workspace(context), ref.request_id)
               if ref else None)
    candidate = request.candidate(ref.contact_id) if request and ref else None
    if ref is None or candidate is None:
        log.warning("feedback comment refused: no such request or candidate")
        return
    user_id = str(body["user"]["id"])
    current = next((a for a in await services(context).store.feedback.answers(ref.request_id)
                    if a.contact_id == ref.contact_id and a.reviewer == user_id), None)  # shown to be changed
    metadata = answers.comment_metadata(context, ref, action_channel(body))
    await open_view(client, None, body["trigger_id"], views.comment_modal(ref, candidate, metadata, lang, current),
                    lang)


async def comment_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                            context: dict[str, Any]) -> None:
    lang = await user_lang(context)
    found = answers.read_comment_metadata(view.get("private_metadata"))
    values = (view.get("state") or {}).get("values") or {}
    verdict = str(((values.get(views.VERDICT_BLOCK) or {}).get(views.VERDICT_ACTION) or {})
                  .get("selected_option", {}).get("value") or "")
    comment = " ".join(str(((values.get(views.COMMENT_BLOCK) or {}).get(views.COMMENT_INPUT) or {})
                           .get("value") or "").split()) or None
    if found is None or verdict not in VERDICTS:
        await ack(response_action="errors", errors={views.VERDICT_BLOCK: t(lang, "feedback.refused")})
        return
    ref, channel_id = found
    why = await answers.answer(client, context, views.AnswerRef(ref.request_id, ref.contact_id, verdict),
                               str(body["user"]["id"]), channel_id, comment)
    if why is not None:
        await ack(response_action="errors", errors={views.VERDICT_BLOCK: answers.said(context, lang, why, plain=True)})
        return
    await ack()


async def home_clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                       context: dict[str, Any]) -> None:
    """Only the requester's own requests: a forged click on another's is refused (logged) and changes nothing.
    Remind now is recorded as work before the ack: reminders a restart cut short are posted after it."""
    user_id, request_id = str(body["user"]["id"]), str(action.get("value") or "")
    if action["action_id"] == views.HOME_CLOSE_ACTION:
        await ack()
        await answers.close(client, context, request_id, user_id)
    else:
        await answers.remind_now(context, request_id, user_id, str(action.get("action_ts") or ""))
        await ack()
    await publish(client, context, user_id)


def register(app: AsyncApp) -> None:
    app.action(views.ASK_ACTION)(guarded(ask_clicked))
    app.options(modal.PROJECT_ACTION)(guarded(projects))
    app.action(modal.PROJECT_ACTION)(guarded(picked))
    app.action(modal.STAGE_ACTION)(guarded(picked))
    app.view(modal.CALLBACK_ID)(guarded(submitted, fallback=failure_ack()))
    app.action(ANSWERS)(guarded(answered))
    app.action(views.COMMENT_ACTION)(guarded(comment_clicked))
    app.view(views.COMMENT_CALLBACK)(guarded(comment_submitted, fallback=failure_ack()))
    app.action(views.HOME_CLOSE_ACTION)(guarded(home_clicked))
    app.action(views.HOME_REMIND_ACTION)(guarded(home_clicked))
