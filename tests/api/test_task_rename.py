"""Answer checking is `Task.check` (was `verify`, a name the leaderboard's re-execution keeps): a task written
against the old names still works, with a DeprecationWarning."""

from __future__ import annotations

import pytest

from razorbench.api.task import Example, Task

EXAMPLE = Example("0", "say yes", "yes")


def test_a_task_that_overrides_the_old_names_still_checks_and_rewards():
    with pytest.warns(DeprecationWarning) as caught:

        class Old(Task):
            kind = "new"
            verify_timeout = 2.5
            prepared = False

            def verify(self, response, example):
                return response.strip() == example.answer

            def prepare_verifier(self):
                type(self).prepared = True

    renamed = {str(w.message).split(" defines ")[1].split(",")[0] for w in caught}
    assert renamed == {"'verify'", "'verify_timeout'", "'prepare_verifier'"}
    task = Old()
    assert task.check(" yes", EXAMPLE) and not task.check("no", EXAMPLE)
    assert task.reward("yes", EXAMPLE) == 1.0 and task.reward("no", EXAMPLE) == 0.0
    assert task.check_timeout == 2.5
    task.prepare_checker()
    assert Old.prepared
    try:  # through the run's bounded path: worker processes call `check`
        assert task.check_all(["yes", "no"], [EXAMPLE, EXAMPLE]) == [True, False]
    finally:
        task.close_checker()


def test_calling_the_old_name_warns_and_checks():
    class New(Task):
        kind = "new"

        def check(self, response, example):
            return response == example.answer

    with pytest.warns(DeprecationWarning, match="Task.verify is deprecated"):
        assert New().verify("yes", EXAMPLE) is True


def test_a_task_of_the_new_names_gets_no_warning(recwarn):
    class New(Task):
        kind = "new"
        check_timeout = 3.0

        def check(self, response, example):
            return True

    assert New.check_timeout == 3.0 and not [w for w in recwarn if w.category is DeprecationWarning]
