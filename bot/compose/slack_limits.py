"""Slack's documented Block Kit limits for messages and views (Home tab, modals), and which block
and element types each surface takes. Data only: `fitting` trims to these, `block_checks` checks them.
"""

from __future__ import annotations

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000  # each of a section's fields
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_ALT_TEXT = 2000
MAX_BLOCK_ID = 255
MAX_MESSAGE_TEXT = 12_000  # the whole message must stay under this
MAX_FALLBACK_TEXT = 3000
BLOCK_TYPES = frozenset({"header", "section", "context", "divider", "image", "actions"})

# Views (views.publish / views.open / views.update / views.push).
MAX_VIEW_BLOCKS = 100
MAX_VIEW_TITLE = 24  # a modal's title, submit and close texts
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255
MAX_EXTERNAL_ID = 255
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25
MAX_SELECT_OPTIONS = 100  # per static menu, and option groups per menu
MAX_CHOICE_OPTIONS = 10  # checkboxes and radio buttons
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_LABEL = 2000
MAX_HINT = 2000
MAX_PLACEHOLDER = 150
MAX_INPUT_LENGTH = 3000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
VIEW_BLOCK_TYPES = BLOCK_TYPES | {"input"}
VIEW_TYPES = frozenset({"home", "modal"})
STATIC_MENUS = frozenset({"static_select", "multi_static_select"})
EXTERNAL_MENUS = frozenset({"external_select", "multi_external_select"})
OTHER_MENUS = frozenset(
    {
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "users_select",
        "multi_users_select",
    }
)
CHOICES = frozenset({"checkboxes", "radio_buttons"})
PICKERS = frozenset({"timepicker", "datepicker"})
TEXT_INPUTS = frozenset({"plain_text_input", "number_input"})
INPUT_ELEMENTS = STATIC_MENUS | EXTERNAL_MENUS | OTHER_MENUS | CHOICES | PICKERS | TEXT_INPUTS
INTERACTIVE_ELEMENTS = INPUT_ELEMENTS - TEXT_INPUTS | {"button", "overflow"}
# What a view's context block may hold (a message's is checked per element).
CONTEXT_ELEMENTS = frozenset({"image", "mrkdwn", "plain_text"})
