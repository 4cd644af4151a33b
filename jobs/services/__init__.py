"""Services: the rules and transactions behind the views; they raise `jobs.errors`, never HTTP."""
