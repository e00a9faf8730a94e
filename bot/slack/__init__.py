"""What the Slack listeners do, per flow (the add form `add_form`, `add_prefill` and `adding`, `following`,
`unfurling`, `workflow_step`, `home_tab`, `leaving`), and what they share: the per-request context (workspace, user,
modal metadata), who may use the bot, how a listener runs, opening modals, answering menus, delivering the card."""
