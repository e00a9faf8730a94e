"""What the Slack listeners share: the per-request context (workspace, user, modal metadata), how a listener runs,
opening modals, answering menus, the steps of an add, delivering the card."""
