package e2e

// sysSetns is the setns(2) system call number.
const sysSetns = 268
