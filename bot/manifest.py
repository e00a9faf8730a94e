"""What the app declares to Slack, which manifests/*.yml repeat (tests/ check that they agree)."""

COMMAND = "/leonar-add"
# The message shortcut "Add to Leonar".
SHORTCUT_CALLBACK = "add_to_leonar"
# links:read / links:write: link_shared events for app.leonar.app, and chat.unfurl.
BOT_SCOPES = ("commands", "chat:write", "chat:write.public", "users:read", "links:read", "links:write")
UNFURL_DOMAINS = ("app.leonar.app",)
