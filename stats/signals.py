"""Domain signals of the stats (notifications listens to them; stats imports nothing above it).

achievement_awarded(sender=Achievement, award=<Achievement>, info=<dict>)
    sent inside the awarding transaction, right after the award is saved, for awards that
    are announced (not when history is recomputed). `info` is `achievements.describe(code)`:
    `title`, `description`, `icon` in the current language.
"""

from django.dispatch import Signal

achievement_awarded = Signal()
