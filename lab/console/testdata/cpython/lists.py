# Lists.
[1, 2]  # deliberate: the console has no lists
(1, 2)
