"""What the app declares to Slack, which manifests/*.yml repeat (tests/ check that they agree)."""

COMMAND = "/leonar-add"
# The message shortcut "Add to Leonar".
SHORTCUT_CALLBACK = "add_to_leonar"
# @Leonar in a channel or thread (app_mention, app_mentions:read) and in the app's DM, the Messages tab (message.im,
# im:history): requests answered with bot/slack/mentions.py (issue 20 D).
MENTION_SCOPES = ("app_mentions:read", "im:history")
MENTION_EVENTS = ("app_mention", "message.im")

# links:read / links:write: link_shared events for app.leonar.app, and chat.unfurl. channels:read / groups:read:
# whether a conversation is shared with another organisation (bot/slack/channels.py).
# The message shortcut "Save to Leonar" and card threads saved as notes (issue 19 B): channels:history /
# groups:history for a thread's replies (conversations.replies) and the messages of the channels the bot is in (all
# but card threads' replies dropped unread), reactions:write for the ✓ on what was saved.
BOT_SCOPES = ("commands", "chat:write", "chat:write.public", "users:read", "links:read", "links:write",
              "channels:read", "groups:read", "channels:history", "groups:history", "reactions:write",
              *MENTION_SCOPES)
# The events card threads saved as notes listen to, in every manifest (channels:history, groups:history).
THREAD_NOTE_EVENTS = ("message.channels", "message.groups")
UNFURL_DOMAINS = ("app.leonar.app",)
# A Leonar link's Work Object clicked: its flexpane (bot/slack/flexpane.py). No scope; the app's "Work Object
# Previews" (entity type WORK_OBJECT_TYPE) are turned on in its configuration page, which manifests do not hold.
WORK_OBJECT_EVENTS = ("entity_details_requested",)
WORK_OBJECT_TYPE = "slack#/entities/item"

# A deactivated person's own Leonar key is deleted at once (users:read; bot/listeners/member_keys.py, issue 21 A).
MEMBER_KEY_EVENTS = ("user_change",)

# The message shortcut "Save to Leonar" (issue 19 B) and the scopes it needs beyond the add's.
SAVE_CALLBACK = "save_to_leonar"
SAVE_SCOPES = ("reactions:write", "channels:history", "groups:history")

# The Workflow Builder step (a custom function), only in the manifests of an app a company creates for itself:
# manifests/manifest.yml and manifest.socket.yml (README, "Workflow Builder step").
STEP_CALLBACK = "add_candidate"
STEP_EVENT = "function_executed"
# The step feeding the step's Project menu in Workflow Builder (dynamic options).
PROJECTS_CALLBACK = "leonar_projects"
