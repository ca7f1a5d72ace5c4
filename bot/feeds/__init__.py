"""RSS and Atom feeds → article files in the seed format (issue 11); see README "Feeds".

``config`` the feeds file · ``fetch`` HTTP with limits · ``parse`` defusedxml guard + feedparser ·
``entries`` entry → article fields · ``mapping`` parse and map (thread or process) · ``writer`` file
names and atomic writes · ``state`` what was fetched · ``reader`` one read of many feeds ·
``poller`` intervals and backoff for `newsbot run` · ``service`` what the CLI and `run` call.
"""
