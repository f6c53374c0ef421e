# Lines that do not parse.
s = socket(AF_INET
s.connect(("10.0.0.1", 7)
b"unterminated
x = = 1
1 +
"a" = 1
for x in (1, 2): print(x)
def f(): pass
if True: pass
x = 1 # a comment
  # an indented comment
