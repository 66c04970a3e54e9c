"""Classroom: step-by-step walkthroughs, models side by side, a quiz, and the course's other
models (key-account matrix, satisfaction, customer growth matrix)."""

import ui
from ui import classroom as classroom_view
from ui import widgets

lang = ui.setup("nav.classroom")
view = widgets.view_picker(
    "cls_view",
    [
        ("walkthrough", "cls.view.walkthrough"),
        ("crosstab", "cls.view.crosstab"),
        ("quiz", "cls.view.quiz"),
        ("key_accounts", "cls.view.key_accounts"),
        ("satisfaction", "cls.view.satisfaction"),
        ("growth", "cls.view.growth"),
    ],
    lang,
)
small = classroom_view.classroom_table(lang)
if view == "walkthrough":
    classroom_view.walkthrough(lang, small)
elif view == "crosstab":
    classroom_view.models_crosstab(lang, small)
elif view == "quiz":
    classroom_view.quiz_view(lang, small)
elif view == "key_accounts":
    classroom_view.key_accounts_view(lang)
elif view == "satisfaction":
    classroom_view.satisfaction_view(lang)
else:
    classroom_view.growth_view(lang)
