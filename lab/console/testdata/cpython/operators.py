# Operators.
1 + 2
1 - 5
3 * 4
2.5 + 1
b"ab" + b"cd"
"ab" + "cd"
b"ab" * 3
3 * "ab"
(1, 2) + (3,)
(1,) * 2
1 == 1.0
b"a" == "a"
"a" != "b"
None == None
-(2)
-b"x"
b"a" + "b"
"a" + 1
1 + None
9223372036854775807 + 1  # deliberate: the console's ints are 64-bit
True + True
