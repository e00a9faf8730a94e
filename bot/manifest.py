"""What the app declares to Slack, which manifests/*.yml repeat (tests/ check that they agree)."""

COMMAND = "/leonar-add"
# The message shortcut "Add to Leonar".
SHORTCUT_CALLBACK = "add_to_leonar"
# links:read / links:write: link_shared events for app.leonar.app, and chat.unfurl. channels:read / groups:read:
# whether a conversation is shared with another organisation (bot/slack/channels.py).
BOT_SCOPES: tuple[str, ...] = ("commands", "chat:write", "chat:write.public", "users:read", "links:read",
                               "links:write", "channels:read", "groups:read")
UNFURL_DOMAINS = ("app.leonar.app",)

# The message shortcut "Save to Leonar" (issue 19 B): reactions:write for the ✓ on a saved message; channels:history /
# groups:history for the thread's replies (conversations.replies).
SAVE_CALLBACK = "save_to_leonar"
SAVE_SCOPES = ("reactions:write", "channels:history", "groups:history")
BOT_SCOPES += tuple(scope for scope in SAVE_SCOPES if scope not in BOT_SCOPES)

# The Workflow Builder step (a custom function), only in the manifests of an app a company creates for itself:
# manifests/manifest.yml and manifest.socket.yml (README, "Workflow Builder step").
STEP_CALLBACK = "add_candidate"
STEP_EVENT = "function_executed"
# The step feeding the step's Project menu in Workflow Builder (dynamic options).
PROJECTS_CALLBACK = "leonar_projects"
