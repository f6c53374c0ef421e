# Lines that do not parse.
s = socket(AF_INET
s.connect(("10.0.0.1", 7)
b"unterminated
x = = 1
1 +
"a" = 1
for x in (1, 2): print(x)  # deliberate: the console has no blocks: one statement per line
def f(): pass  # deliberate: the console has no blocks: one statement per line
if True: pass  # deliberate: the console has no blocks: one statement per line
x = 1 # a comment
  # an indented comment
with socket(AF_INET, SOCK_STREAM) as s: s.connect(("10.0.0.1", 7))  # deliberate: the console has no blocks: one statement per line
