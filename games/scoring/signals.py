"""Domain signals of live scoring (the stats and notifications features listen to them).

All are sent *inside* the transaction that changes the match, right after its status, winner and
result are saved (the match row is locked). A receiver therefore sees the new state, and whatever
it writes (an outbox row, a rating) commits or rolls back together with the change. A receiver
must do database work only — slow I/O goes through `transaction.on_commit` — and an exception it
raises rolls the change back (the caller gets an error and may retry).

    match_finished(sender=Match, match=<Match>)   the match has just become finished (the engine
                                                  says it is over), or a staff correction changed
                                                  the result of a finished match (also with the
                                                  same winner: 2:0 → 2:1). When the winner
                                                  changed, match_reopened is sent first. The
                                                  match's `result_status` says whether it counts
                                                  yet (`pending`: the other side is asked).
    match_reopened(sender=Match, match=<Match>, previous_winner=<0|1|None>)
                                                  a finished match is no longer finished as it
                                                  was (undo or correction): undo what
                                                  match_finished did.
    match_result_changed(sender=Match, match=<Match>, previous=<str>, action=<str>, actor=<User>)
                                                  the result of a finished match was confirmed,
                                                  disputed or voided (`action` is a
                                                  `ResultReview.Action`); stats count exactly the
                                                  confirmed results.
    match_reopen_requested(sender=Match, match=<Match>, side=<0|1>, actor=<User>)
                                                  a player asked to reopen (undo) the finished
                                                  match; the other side's undo agrees.

Abandoned matches send none (they have no result).
"""

from django.dispatch import Signal

match_finished = Signal()
match_reopened = Signal()
match_result_changed = Signal()
match_reopen_requested = Signal()
