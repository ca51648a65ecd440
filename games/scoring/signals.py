"""Domain signals of live scoring (the stats and notifications features listen to them).

Both are sent *inside* the transaction that changes the match, right after its status and winner
are saved (the match row is locked). A receiver therefore sees the new state, and whatever it
writes (an outbox row, a rating) commits or rolls back together with the scoring event. A receiver
must do database work only — slow I/O goes through `transaction.on_commit` — and an exception it
raises rolls the scoring event back (the scorer gets an error and may retry).

    match_finished(sender=Match, match=<Match>)   the match has just become finished (the engine
                                                  says it is over; or a correction/undo changed
                                                  the result of a finished match: then
                                                  match_reopened is sent first).
    match_reopened(sender=Match, match=<Match>, previous_winner=<0|1|None>)
                                                  a finished match is no longer finished as it
                                                  was (undo or correction): undo what
                                                  match_finished did.

Abandoned matches send neither (they have no result).
"""

from django.dispatch import Signal

match_finished = Signal()
match_reopened = Signal()
