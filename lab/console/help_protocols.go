package console

// protocolDocs are the help pages of the lab server's protocols:
// help("smtp"), help("pop3"), help("resp"), help("tftp"), help("sql"),
// help("ftp"), help("imap").
// Their examples
// run in a lab of their own, as every example in the help does.
var protocolDocs = map[string]doc{
	"smtp": {
		usage:   `help("smtp"): SMTP, mail in, TCP port 25 of mail.lab (10.0.0.1)`,
		summary: "send mail to any name@lab",
		text: `The server greets you with 220; then each command is a line, answered by a three-digit code: 2xx done, 3xx go on, 4xx try later, 5xx no (500: a command it does not know).
  HELO name               say who you are
  MAIL FROM:<you@lab>     who the message is from
  RCPT TO:<ada@lab>       who it is for: any name@lab is a mailbox
  DATA                    354: send the message, ended by a line "."
  QUIT                    221, and the server closes
A message is at most 16 KiB; a mailbox keeps 32. Read it back with POP3: help("pop3").

Example:
>>> m = socket(); m.connect(("10.0.0.1", 25)); m.recv(1024)
b'220 mail.lab ESMTP Service Ready\r\n'
>>> m.sendall(b"HELO me\r\n"); m.recv(1024)
b'250 2.0.0 Hello me\r\n'`,
	},
	"pop3": {
		usage:   `help("pop3"): POP3, mail out, TCP port 110 of mail.lab (10.0.0.1)`,
		summary: "read name@lab's mailbox, any password",
		text: `Each command is a line, answered +OK or -ERR. Any password is accepted: it is a lab.
  USER ada            the mailbox ada@lab
  PASS anything       opens it (one session at a time)
  STAT                how many messages, how many bytes
  LIST                each message's number and size, then "."
  RETR 1              message 1, then a line "."
  DELE 1              marks message 1, deleted when you QUIT
  RSET                unmarks them all
  NOOP                +OK, nothing more
  QUIT                deletes what you marked, and closes

Example:
>>> p = socket(); p.connect(("10.0.0.1", 110)); p.recv(1024)
b'+OK mail.lab POP3 server ready\r\n'
>>> p.sendall(b"USER ada\r\n"); p.recv(1024)
b'+OK ada@lab: now PASS, any password (it is a lab)\r\n'`,
	},
	"resp": {
		usage:   `help("resp"): the key-value database, Redis's protocol (RESP), TCP port 6379`,
		summary: "SET, GET, INCR… kept by the server across connections",
		text: `Send a command as a line of words ("SET name ada\r\n") or as a RESP array (b"*2\r\n$3\r\nGET\r\n$4\r\nname\r\n"). Replies: +OK (a simple string), -ERR … (an error), :5 (an integer), $3\r\nada (a bulk string; $-1 is none), *2 (an array).
  SET key value       EXPIRE key seconds     TTL key
  GET key             INCR key               PING
  DEL key…            EXISTS key…            KEYS pattern (KEYS *)
The keys are the lab server's: every connection, and everyone in a workshop, sees the same. At most 256 keys, values of 4 KiB.

Example:
>>> k = socket(); k.connect(("10.0.0.1", 6379)); k.sendall(b"SET name ada\r\n"); k.recv(1024)
b'+OK\r\n'
>>> k.sendall(b"GET name\r\n"); k.recv(1024)
b'$3\r\nada\r\n'`,
	},
	"tftp": {
		usage:   `help("tftp"): TFTP, a read-only file server, UDP port 69`,
		summary: "fetch hello.txt or tftp.txt in 512-byte blocks",
		text: `Every packet starts with a 2-byte opcode: 1 RRQ (read request), 3 DATA, 4 ACK, 5 ERROR.
  RRQ:   b"\x00\x01" + name + b"\x00octet\x00", to port 69
  DATA:  b"\x00\x03", the block number (2 bytes), up to 512 bytes of the file,
         from a new port of the server's: the transfer's own
  ACK:   b"\x00\x04" and the block number, to that port; then the next block comes
A block shorter than 512 bytes is the last. A block not ACKed comes again after 10 s.

Example:
>>> u = socket(AF_INET, SOCK_DGRAM); u.sendto(b"\x00\x01hello.txt\x00octet\x00", ("10.0.0.1", 69))
18
>>> u.recvfrom(1024)[0]
b"\x00\x03\x00\x01hello from the lab's file server\n"`,
	},
	"sql": {
		usage:   `help("sql"): a SQL database speaking PostgreSQL's protocol, TCP port 5432`,
		summary: "tables students and courses, asked in SQL, in binary messages",
		text: `Not lines of text: binary messages. Each is a type byte, then its length in 4 bytes (big-endian, counting the length itself but not the type byte), then its body; strings end in a zero byte.
  startup:  no type byte: the length, the version 3.0 (\x00\x03\x00\x00), "user\x00ada\x00", a last \x00
            b"\x00\x00\x00\x12\x00\x03\x00\x00user\x00ada\x00\x00"   (0x12 = 18 bytes in all)
  Query:    b"Q", the length, the SQL, \x00:  b"Q\x00\x00\x00\x1aselect * from courses\x00"
            (0x1a = 26 = 4 for the length + 21 for the SQL + 1 for the \x00)
  Terminate: b"X\x00\x00\x00\x04"
The server answers: R AuthenticationOk (no password: it is a lab), S ParameterStatus, K BackendKeyData, Z ReadyForQuery (I: idle);
to a Query: T RowDescription (the columns), D DataRow (one a row), C CommandComplete ("SELECT 3"), Z;
or E ErrorResponse, whose C field is the SQLSTATE (42P01: no such table; 42601: a syntax error), then Z.
The tables: students (id, name, course, year) and courses (code, title, credits). The SQL is SQLite's.
Bounds: 100 rows an answer, 8 KiB a statement, 2 s a statement, 1 MiB a database; no ATTACH, PRAGMA, BEGIN.
From a terminal: psql -h 127.0.0.1 -p 12432 -c 'select * from students'

Example:
>>> d = socket(); d.connect(("10.0.0.1", 5432)); d.sendall(b"\x00\x00\x00\x12\x00\x03\x00\x00user\x00ada\x00\x00"); d.recv(1024)[:9]
b'R\x00\x00\x00\x08\x00\x00\x00\x00'
>>> d.sendall(b"Q\x00\x00\x00\x1aselect * from courses\x00"); d.recv(1024)[:12]
b'T\x00\x00\x00O\x00\x03code\x00'`,
	},
	"ftp": {
		usage:   `help("ftp"): FTP, a file server, TCP port 21 (commands) and a port it names (data)`,
		summary: "two connections: commands on 21, each file on a second one",
		text: `Commands are lines, answered by three-digit codes as SMTP's: 1xx started, 2xx done, 3xx go on, 4xx try later, 5xx no.
  USER anonymous          331: now the password
  PASS me@lab             230: any password (an e-mail address, by custom)
  PASV                    227 Entering Passive Mode (10,0,0,1,p1,p2): connect to port p1*256+p2
  EPSV                    229 Entering Extended Passive Mode (|||port|): the same, the port alone
  LIST, NLST              the files, over the data connection
  RETR hello.txt          150, the file over the data connection (its FIN ends it), 226
  STOR name.txt           150: send the file over the data connection and close it; 226
  SIZE hello.txt, PWD, TYPE I, QUIT
Each transfer needs a data connection of its own: PASV again before the next.
Decode the port: n = r.split(b","); port = int(n[4]) * 256 + int(n[5].split(b")")[0])
Files: hello.txt, tftp.txt (the lab's), and what you STOR (64 KiB a file, 32 files, 256 KiB in all).
From a terminal: curl ftp://127.0.0.1:7021/hello.txt

Example:
>>> c = socket(); c.connect(("10.0.0.1", 21)); c.recv(1024)
b'220 ftp.lab FTP server ready: USER anonymous, any password\r\n'
>>> c.sendall(b"USER anonymous\r\n"); c.recv(1024)
b'331 anonymous: now PASS, any password (an e-mail address, by custom)\r\n'`,
	},
	"imap": {
		usage:   `help("imap"): IMAP, mail read and left on the server, TCP port 143 of mail.lab (10.0.0.1)`,
		summary: "read name@lab's mailbox as often as you like: the mail stays",
		text: `Each command starts with a tag of your choosing (A1, A2…); the server's last line for it starts with the same tag and OK, NO (refused) or BAD (not understood). Lines starting with * are data that comes before it.
  A1 LOGIN ada anything     the mailbox ada@lab, any password
  A2 SELECT INBOX           * 1 EXISTS: how many messages
  A3 FETCH 1 BODY[]         message 1: * 1 FETCH (BODY[] {31}, then 31 bytes of it, then )
  A4 UID FETCH 1 BODY[]     the same, by the message's unique id
  A5 LOGOUT                 * BYE, and the server closes
The lab's IMAP server only reads: the mail stays on the server, for this or another client, until POP3 deletes it (help("pop3")).
From a terminal: curl 'imap://127.0.0.1:7143/INBOX;MAILINDEX=1' -u ada:any

Example:
>>> i = socket(); i.connect(("10.0.0.1", 143)); i.recv(1024)
b'* OK [CAPABILITY IMAP4rev1 IMAP4rev2] mail.lab IMAP server ready: LOGIN name anything\r\n'
>>> i.sendall(b"A1 LOGIN ada anything\r\n"); i.recv(1024)
b'A1 OK [CAPABILITY IMAP4rev1 IMAP4rev2] logged in as ada@lab (any password: it is a lab)\r\n'`,
	},
}
