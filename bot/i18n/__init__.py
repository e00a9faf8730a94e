"""Every user-facing string, in English and French. `t(lang, key, **fields)` picks one and fills it in.

The language is the Slack user's locale (users.info), English unless it is French. Placeholders are
`str.format` fields; tests check both languages have the same ones for every key.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")


def lang_of(locale: str | None) -> Lang:
    return "fr" if (locale or "").lower().startswith("fr") else "en"


def t(lang: Lang, key: str, **fields: object) -> str:
    english, french = CATALOG[key]
    return (french if lang == "fr" else english).format(**fields)


CATALOG: dict[str, tuple[str, str]] = {
    # -- add modal
    "add.title": ("Add to Leonar", "Ajouter à Leonar"),
    "add.submit": ("Add", "Ajouter"),
    "add.cancel": ("Cancel", "Annuler"),
    "add.project": ("Project", "Projet"),
    "add.project_placeholder": ("Search active projects", "Chercher un projet actif"),
    "add.candidate": ("Candidate", "Candidat"),
    "add.candidate_placeholder": ("Search by name, title or company", "Chercher par nom, poste ou entreprise"),
    "add.stage": ("Stage", "Étape"),
    "add.stage_placeholder": ("Pipeline stage", "Étape du pipeline"),
    "add.stage_first": ("First stage of the project", "Première étape du projet"),
    "add.stage_hint": ("Leave empty to use the project's first stage.",
                       "Laissez vide pour utiliser la première étape du projet."),
    "add.stage_pick_project": ("Pick a project first: its stages follow.",
                               "Choisissez d'abord un projet : ses étapes suivront."),
    "add.stage_none": ("This project has no pipeline stages; Leonar will use its default.",
                       "Ce projet n'a pas d'étapes ; Leonar utilisera celle par défaut."),
    "add.stage_failed": ("Stages could not be loaded ({reason}) The candidate will go to the first stage.",
                         "Impossible de charger les étapes ({reason}) Le candidat ira à la première étape."),
    "add.note": ("Note", "Note"),
    "add.note_placeholder": ("Why this candidate, for the team (saved on the contact in Leonar)",
                             "Pourquoi ce candidat, pour l'équipe (enregistré sur le contact dans Leonar)"),
    "note.prefix": ("Added from Slack by {user} to {project}:", "Ajouté depuis Slack par {user} à {project} :"),
    "note.failed": (":warning: {name} was added to {project}, but the note could not be saved in Leonar ({reason}). "
                    "Here it is, to add by hand:\n>{note}",
                    ":warning: {name} a été ajouté à {project}, mais la note n'a pas pu être enregistrée dans "
                    "Leonar ({reason}). La voici, à ajouter à la main :\n>{note}"),
    "add.channel": ("Post the card to", "Publier la fiche dans"),
    "add.channel_placeholder": ("Pick a conversation", "Choisissez une conversation"),
    "add.connected": (":white_check_mark: Leonar is connected for this workspace. Add your first candidate:",
                      ":white_check_mark: Leonar est connecté pour cet espace de travail. Ajoutez votre premier "
                      "candidat :"),
    "add.pending": (":hourglass_flowing_sand: Adding *{candidate}* to *{project}*… Leonar is slow today.",
                    ":hourglass_flowing_sand: Ajout de *{candidate}* à *{project}*… Leonar est lent aujourd'hui."),
    "add.close": ("Close", "Fermer"),
    "add.done_button": ("Done", "Terminé"),
    "add.done": (":white_check_mark: *{candidate}* added to {where}.",
                 ":white_check_mark: *{candidate}* ajouté à {where}."),
    "add.done_at": ("*{project}* at *{stage}*", "*{project}*, étape *{stage}*"),
    "add.pick_project": ("Pick a project.", "Choisissez un projet."),
    "add.pick_candidate": ("Pick a candidate.", "Choisissez un candidat."),
    "add.pick_channel": ("Pick where to post the card.", "Choisissez où publier la fiche."),
    "add.not_connected": ("This workspace is not connected to Leonar any more: run {command} connect.",
                          "Cet espace de travail n'est plus connecté à Leonar : lancez {command} connect."),
    "add.already_in": ("{name} is already in {where}.", "{name} est déjà dans {where}."),
    "add.already_in_at": ("{project} at {stage}", "{project}, étape {stage}"),
    "add.this_candidate": ("This candidate", "Ce candidat"),
    "add.this_project": ("this project", "ce projet"),
    "add.failed": ("Something went wrong on our side and this could not be finished. If you were adding a "
                   "candidate, check the project in Leonar before trying again.",
                   "Un problème de notre côté a empêché d'aller au bout. Si vous ajoutiez un candidat, vérifiez le "
                   "projet dans Leonar avant de réessayer."),
    # -- options
    "options.connect_first": ("Connect Leonar first: run {command} connect",
                              "Connectez d'abord Leonar : lancez {command} connect"),
    "options.slow": ("Leonar is slow to answer. Type again in a moment.",
                     "Leonar tarde à répondre. Retapez dans un instant."),
    "options.stale": ("Leonar budget nearly used up: these results may be a bit old",
                      "Quota Leonar presque épuisé : résultats peut-être un peu anciens"),
    "options.pick_project_first": ("Pick a project first", "Choisissez d'abord un projet"),
    "options.no_project_match": ("No active project matches “{query}”",
                                 "Aucun projet actif ne correspond à « {query} »"),
    "options.no_project": ("No active project in Leonar", "Aucun projet actif dans Leonar"),
    "options.create": ("Create “{name}”", "Créer « {name} »"),
    "create.title": ("New candidate", "Nouveau candidat"),
    "create.submit": ("Create", "Créer"),
    "create.back": ("Back", "Retour"),
    "create.first_name": ("First name", "Prénom"),
    "create.last_name": ("Last name", "Nom"),
    "create.title_field": ("Title", "Poste"),
    "create.company": ("Company", "Entreprise"),
    "create.linkedin": ("LinkedIn URL", "URL LinkedIn"),
    "create.email": ("Email", "E-mail"),
    "create.intro": ("Nobody in Leonar matched. Create the contact, then pick the project as usual.",
                     "Personne dans Leonar ne correspondait. Créez le contact, puis choisissez le projet."),
    "options.no_contact": ("Nobody in Leonar matches “{query}”", "Personne dans Leonar ne correspond à « {query} »"),
    # -- connect modal
    "connect.title": ("Connect Leonar", "Connecter Leonar"),
    "connect.submit": ("Connect", "Connecter"),
    "connect.intro": ("Connect this Slack workspace to Leonar once, and everyone here can add candidates with "
                      "`{command}`.",
                      "Connectez une fois cet espace Slack à Leonar, et chacun ici pourra ajouter des candidats avec "
                      "`{command}`."),
    "connect.label": ("Leonar API key", "Clé d'API Leonar"),
    "connect.hint": ("Leonar › Settings › API. Stored encrypted, used only for this workspace.",
                     "Leonar › Paramètres › API. Conservée chiffrée, utilisée pour cet espace seulement."),
    "connect.scopes": ("The key needs the scopes {scopes}.", "La clé doit avoir les permissions {scopes}."),
    "connect.bad_prefix": ("A Leonar API key starts with “{prefix}”. Copy it from Leonar › Settings › API.",
                           "Une clé d'API Leonar commence par « {prefix} ». Copiez-la depuis Leonar › Paramètres "
                           "› API."),
    "connect.spaces": ("The key contains spaces; paste it again without them.",
                       "La clé contient des espaces ; collez-la à nouveau sans eux."),
    "connect.admins_only": ("Only a workspace admin or owner can change the Leonar connection.",
                            "Seuls les administrateurs et propriétaires de l'espace peuvent modifier la connexion "
                            "Leonar."),
    "connect.role_unknown": ("I could not check your Slack role (Slack said {error}). Try again in a moment.",
                             "Je n'ai pas pu vérifier votre rôle Slack (Slack a répondu {error}). Réessayez dans un "
                             "instant."),
    "connect.timeout": ("Slack or Leonar did not answer in time to check the key. Try again in a moment.",
                        "Slack ou Leonar n'a pas répondu à temps pour vérifier la clé. Réessayez dans un instant."),
    # -- Leonar errors
    "error.unconfirmed": ("Leonar did not confirm the add in time. The candidate may have been added: check the "
                          "project in Leonar before trying again.",
                          "Leonar n'a pas confirmé l'ajout à temps. Le candidat a peut-être été ajouté : vérifiez le "
                          "projet dans Leonar avant de réessayer."),
    "error.invalid_key": ("Leonar rejected this workspace's API key. An admin can connect a new one with "
                          "/leonar-add connect.",
                          "Leonar a refusé la clé d'API de cet espace. Un administrateur peut en connecter une "
                          "nouvelle avec /leonar-add connect."),
    "error.scope": ("The Leonar API key lacks a permission the bot needs ({scopes}). {message}",
                    "Il manque à la clé d'API Leonar une permission nécessaire ({scopes}). {message}"),
    "error.budget": ("Leonar request budget used up: try again {when}.",
                     "Quota de requêtes Leonar épuisé : réessayez {when}."),
    "error.already_in": ("This candidate is already in this project.", "Ce candidat est déjà dans ce projet."),
    "error.not_found": ("Leonar could not find it any more: {message}", "Leonar ne le trouve plus : {message}"),
    "error.refused": ("Leonar refused it: {message}", "Leonar a refusé : {message}"),
    "error.down": ("Leonar is not answering right now: try again in a moment.",
                   "Leonar ne répond pas pour l'instant : réessayez dans un instant."),
    "error.other": ("Leonar answered with an error: {message}", "Leonar a répondu par une erreur : {message}"),
    "error.key_invalid": ("Leonar does not accept this key (invalid or revoked). Copy it again from Leonar › "
                          "Settings › API.",
                          "Leonar n'accepte pas cette clé (invalide ou révoquée). Copiez-la à nouveau depuis Leonar › "
                          "Paramètres › API."),
    "error.key_scope": ("This key lacks a scope the bot needs. Give it: {scopes}.",
                        "Il manque une permission à cette clé. Donnez-lui : {scopes}."),
    "error.key_budget": ("This key has used its hourly Leonar request budget. Try again {when}.",
                         "Cette clé a épuisé son quota horaire de requêtes Leonar. Réessayez {when}."),
    "error.key_down": ("Leonar could not be reached to check the key. Try again in a moment.",
                       "Leonar est injoignable pour vérifier la clé. Réessayez dans un instant."),
    "error.key_refused": ("Leonar refused the key: {message}", "Leonar a refusé la clé : {message}"),
    "error.key_lacks": ("This key lacks {lacking}. The bot needs: {scopes}.",
                        "Il manque {lacking} à cette clé. Le bot a besoin de : {scopes}."),
    "when.minute": ("in a minute", "dans une minute"),
    "when.minutes": ("in {minutes} minutes", "dans {minutes} minutes"),
    "when.few": ("in a few minutes", "dans quelques minutes"),
    # -- card
    "card.at": ("at", "chez"),
    "card.project": ("Project", "Projet"),
    "card.stage": ("Stage", "Étape"),
    "card.first_stage": ("First stage", "Première étape"),
    "card.skills": ("Skills", "Compétences"),
    "card.tags": ("Tags", "Tags"),
    "card.more": ("+{count} more", "+{count} autres"),
    "card.years": (":briefcase: {years} years of experience", ":briefcase: {years} ans d'expérience"),
    "card.year": (":briefcase: 1 year of experience", ":briefcase: 1 an d'expérience"),
    "card.linkedin": ("LinkedIn profile", "Profil LinkedIn"),
    "card.added_by": ("Added by <@{user}> via {command}", "Ajouté par <@{user}> via {command}"),
    "card.text": ("{name} added to {where} by <@{user}>", "{name} ajouté à {where} par <@{user}>"),
    "card.unnamed": ("Unnamed contact", "Contact sans nom"),
    # -- messages
    "help.intro": ("*{command}* opens a form: pick a project, a candidate and a pipeline stage; the candidate is "
                   "added to the project in Leonar and a card is posted in the channel you choose.",
                   "*{command}* ouvre un formulaire : choisissez un projet, un candidat et une étape ; le candidat "
                   "est ajouté au projet dans Leonar et une fiche est publiée dans le canal choisi."),
    "help.add": ("• `{command}` add a candidate to a project", "• `{command}` ajouter un candidat à un projet"),
    "help.status": ("• `{command} status` who connected Leonar, and whether its key works",
                    "• `{command} status` qui a connecté Leonar, et si sa clé fonctionne"),
    "help.connect": ("• `{command} connect` connect this workspace to Leonar, or replace its API key",
                     "• `{command} connect` connecter cet espace à Leonar, ou remplacer sa clé d'API"),
    "help.disconnect": ("• `{command} disconnect` delete the stored API key",
                        "• `{command} disconnect` supprimer la clé d'API enregistrée"),
    "help.help": ("• `{command} help` this message", "• `{command} help` ce message"),
    "msg.slow_trigger": ("Slack took too long to open the form. Please run `{command}` again.",
                         "Slack a mis trop de temps à ouvrir le formulaire. Relancez `{command}`."),
    "msg.open_failed": ("Slack could not open the form ({error}). Please try again.",
                        "Slack n'a pas pu ouvrir le formulaire ({error}). Réessayez."),
    "msg.not_in_channel": ("I'm not a member of <#{channel}>, so I posted the card through your command instead. "
                           "Invite me there (`/invite @Leonar`) to have cards posted directly.",
                           "Je ne suis pas membre de <#{channel}>, j'ai donc publié la fiche via votre commande. "
                           "Invitez-moi (`/invite @Leonar`) pour que les fiches y soient publiées directement."),
    "msg.undelivered": (":warning: The candidate was added in Leonar, but I could not post the card in <#{channel}> "
                        "({reason}). Invite me there (`/invite @Leonar`). Here it is:",
                        ":warning: Le candidat a été ajouté dans Leonar, mais je n'ai pas pu publier la fiche dans "
                        "<#{channel}> ({reason}). Invitez-moi (`/invite @Leonar`). La voici :"),
    "msg.not_member": ("I'm not a member there", "je n'y suis pas membre"),
    "msg.slack_said": ("Slack said {error}", "Slack a répondu {error}"),
    # -- App Home
    "home.title": ("Leonar for Slack", "Leonar pour Slack"),
    "home.connect": ("Connect Leonar", "Connecter Leonar"),
    "home.replace": ("Replace the API key", "Remplacer la clé d'API"),
    "home.disconnect": ("Disconnect", "Déconnecter"),
    "home.recent": ("*Recently added*", "*Ajouts récents*"),
    "home.recent_line": ("• *{contact}* → {where}, by <@{user}> on {when}",
                         "• *{contact}* → {where}, par <@{user}> le {when}"),
    "home.none_yet": ("Nobody added from Slack yet. Type `{command}` in any channel.",
                      "Personne n'a encore été ajouté depuis Slack. Tapez `{command}` dans un canal."),
    "home.settings": ("*Settings* (workspace admins)", "*Réglages* (administrateurs de l'espace)"),
    "home.default_channel": ("Default channel for cards", "Canal par défaut des fiches"),
    "home.show_details": ("Show emails and phone numbers on cards", "Afficher e-mails et téléphones sur les fiches"),
    "home.show_details_hint": ("Cards are seen by everyone in the channel.",
                               "Les fiches sont vues par tout le canal."),
    "card.contact_details": ("*Email:* {emails}   *Phone:* {phones}",
                             "*E-mail :* {emails}   *Téléphone :* {phones}"),
    # -- admin
    "admin.only": ("Only a workspace admin or owner can {action} Leonar for this workspace.{who} Ask one of them "
                   "to run `{command} connect`.",
                   "Seuls les administrateurs et propriétaires de l'espace peuvent {action} Leonar.{who} Demandez à "
                   "l'un d'eux de lancer `{command} connect`."),
    "admin.action.connect": ("connect", "connecter"),
    "admin.action.disconnect": ("disconnect", "déconnecter"),
    "admin.connected_by": (" It was connected by <@{user}>.", " Il a été connecté par <@{user}>."),
    "admin.not_connected_admin": ("This workspace is not connected to Leonar. Run `{command} connect` to connect it.",
                                  "Cet espace n'est pas connecté à Leonar. Lancez `{command} connect` pour le "
                                  "connecter."),
    "admin.not_connected": ("This workspace is not connected to Leonar yet. Only a workspace admin or owner can "
                            "connect it: ask one of them to run `{command} connect`.",
                            "Cet espace n'est pas encore connecté à Leonar. Seuls les administrateurs et "
                            "propriétaires peuvent le connecter : demandez à l'un d'eux de lancer "
                            "`{command} connect`."),
    "admin.role_unknown": ("I could not check your Slack role (Slack said {error}), so I can't let you change the "
                           "Leonar connection. If the app lacks the users:read scope, reinstall it from its manifest.",
                           "Je n'ai pas pu vérifier votre rôle Slack (Slack a répondu {error}) : je ne peux pas vous "
                           "laisser modifier la connexion Leonar. S'il manque la permission users:read à l'app, "
                           "réinstallez-la depuis son manifeste."),
    "admin.disconnected": ("Leonar is disconnected: the API key is deleted. Run `{command} connect` to connect "
                           "again.",
                           "Leonar est déconnecté : la clé d'API est supprimée. Lancez `{command} connect` pour le "
                           "reconnecter."),
    "admin.disconnect_title": ("Disconnect Leonar", "Déconnecter Leonar"),
    "admin.disconnect_submit": ("Disconnect", "Déconnecter"),
    "admin.disconnect_keep": ("Keep it", "La garder"),
    "admin.disconnect_text": ("Delete this workspace's Leonar API key (`{hint}`, connected by <@{user}>)? Nobody "
                              "here can add candidates until an admin connects a key again.",
                              "Supprimer la clé d'API Leonar de cet espace (`{hint}`, connectée par <@{user}>) ? "
                              "Personne ici ne pourra ajouter de candidats avant qu'un administrateur connecte une "
                              "nouvelle clé."),
    "status.not_connected": (":x: Not connected to Leonar. A workspace admin or owner can run `{command} connect`.",
                             ":x: Non connecté à Leonar. Un administrateur ou propriétaire peut lancer "
                             "`{command} connect`."),
    "status.connected": (":large_green_circle: Connected to Leonar by <@{user}> on {when}, with the API key "
                         "ending in `{hint}`.",
                         ":large_green_circle: Connecté à Leonar par <@{user}> le {when}, avec la clé d'API "
                         "finissant par `{hint}`."),
    "status.unchecked": (":warning: Its scopes could not be checked: {problem}",
                         ":warning: Ses permissions n'ont pas pu être vérifiées : {problem}"),
    "status.no_answer": ("Leonar did not answer", "Leonar n'a pas répondu"),
    "status.lacks": (":x: The key lacks {lacking}; the bot needs {scopes}.",
                     ":x: Il manque {lacking} à la clé ; le bot a besoin de {scopes}."),
    "status.ok": (":white_check_mark: Its scopes suffice ({scopes}).",
                  ":white_check_mark: Ses permissions suffisent ({scopes})."),
    "status.tip": ("Tip: add {scopes}: pipeline:read tells the bot who is already in a project before adding, "
                   "notes:write saves the note typed with an add, contacts:write creates a new candidate.",
                   "Astuce : ajoutez {scopes} : pipeline:read dit au bot qui est déjà dans un projet avant l'ajout, "
                   "notes:write enregistre la note saisie avec un ajout, contacts:write crée un nouveau candidat."),
}
