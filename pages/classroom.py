"""Classroom: step-by-step walkthroughs, models side by side, a quiz, and the course's other
models (key-account matrix, satisfaction, customer growth matrix)."""

import ui

lang = ui.setup("nav.classroom")
view = ui.view_picker(
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
small = ui.classroom_table(lang)
if view == "walkthrough":
    ui.walkthrough(lang, small)
elif view == "crosstab":
    ui.models_crosstab(lang, small)
elif view == "quiz":
    ui.quiz_view(lang, small)
elif view == "key_accounts":
    ui.key_accounts_view(lang)
elif view == "satisfaction":
    ui.satisfaction_view(lang)
else:
    ui.growth_view(lang)
