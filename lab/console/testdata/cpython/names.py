# Assignment, names, del and _.
x = 1
x
a, b = 1, 2
a, b
(a, b) = (b, a)
a, b
a = b = 3
a, b
a, (b, c) = 1, (2, 3)
c
a, b = 1, 2, 3
a, b, c = 1, 2
a, b = 7
del a
a
del a
nosuch
1 + 1
_
_ + 1
x = 5; y = x + 1; y
pass
