"""The web app (issue 15). Placeholder of the auth branch: the web helper's ``__init__``
(re-exporting ``create_app`` and ``WebSettings``) replaces this file at merge."""
