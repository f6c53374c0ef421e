# The values the console takes.
7
-7
+7
2.5
1e3
0x10
0o17
0b101
1_000
None
True, False
"text"
'text'
b"bytes\n"
b'\x00\xff\t\r\\'
r"raw\n"
rb"raw\n"
"a" "b"
b"a" b"b"
"\u00e9"
"\x41"
b"\101"
()
(1,)
(1, (2, 3))
