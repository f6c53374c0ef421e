# help explains the lab's calls; Python's help is its own.
help
help(len)  # lab-only: help() explains what each call does on the wire
help()  # lab-only: help() explains what each call does on the wire
