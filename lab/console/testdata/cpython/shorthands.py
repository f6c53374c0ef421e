# The lab's shorthands.
socket(TCP)  # deliberate: TCP and UDP are the lab's shorthands
socket(UDP)  # deliberate: TCP and UDP are the lab's shorthands
