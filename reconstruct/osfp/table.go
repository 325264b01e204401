package osfp

// The signature tables. Every TCP row of p0f 3.09b's p0f.fp (Debian's
// /etc/p0f/p0f.fp; source gives the line) whose label names one of the
// families or a userland tool (p0f's "!" class: scanners, which must not
// fall through to a fuzzy kernel match), in p0f's order and syntax, then
// a few rows p0f.fp lacks for the Linux kernels of today, each naming the
// captures that show it. Rows are tried in order (see Classify).

// synRows are the SYN signatures: p0f.fp [tcp:request].
var synRows = []row{
	// p0f.fp label s:unix:Linux:3.11 and newer
	{Linux, specific, "Linux 3.11 and newer", "*:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:96"},
	{Linux, specific, "Linux 3.11 and newer", "*:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:97"},
	// p0f.fp label s:unix:Linux:3.1-3.10
	{Linux, specific, "Linux 3.1-3.10", "*:64:0:*:mss*10,4:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:100"},
	{Linux, specific, "Linux 3.1-3.10", "*:64:0:*:mss*10,5:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:101"},
	{Linux, specific, "Linux 3.1-3.10", "*:64:0:*:mss*10,6:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:102"},
	{Linux, specific, "Linux 3.1-3.10", "*:64:0:*:mss*10,7:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:103"},
	// p0f.fp label s:unix:Linux:2.6.x
	{Linux, specific, "Linux 2.6.x", "*:64:0:*:mss*4,6:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:110"},
	{Linux, specific, "Linux 2.6.x", "*:64:0:*:mss*4,7:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:111"},
	{Linux, specific, "Linux 2.6.x", "*:64:0:*:mss*4,8:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:112"},
	// p0f.fp label s:unix:Linux:2.4.x
	{Linux, specific, "Linux 2.4.x", "*:64:0:*:mss*4,0:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:115"},
	{Linux, specific, "Linux 2.4.x", "*:64:0:*:mss*4,1:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:116"},
	{Linux, specific, "Linux 2.4.x", "*:64:0:*:mss*4,2:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:117"},
	// p0f.fp label s:unix:Linux:2.2.x
	{Linux, specific, "Linux 2.2.x", "*:64:0:*:mss*11,0:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:122"},
	{Linux, specific, "Linux 2.2.x", "*:64:0:*:mss*20,0:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:123"},
	{Linux, specific, "Linux 2.2.x", "*:64:0:*:mss*22,0:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:124"},
	// p0f.fp label s:unix:Linux:2.0
	{Linux, specific, "Linux 2.0", "*:64:0:*:mss*12,0:mss::0", "p0f.fp:127"},
	{Linux, specific, "Linux 2.0", "*:64:0:*:16384,0:mss::0", "p0f.fp:128"},
	// p0f.fp label s:unix:Linux:3.x (loopback)
	{Linux, specific, "Linux 3.x (loopback)", "*:64:0:16396:mss*2,4:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:133"},
	{Linux, specific, "Linux 3.x (loopback)", "*:64:0:16376:mss*2,4:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:134"},
	// p0f.fp label s:unix:Linux:2.6.x (loopback)
	{Linux, specific, "Linux 2.6.x (loopback)", "*:64:0:16396:mss*2,2:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:137"},
	{Linux, specific, "Linux 2.6.x (loopback)", "*:64:0:16376:mss*2,2:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:138"},
	// p0f.fp label s:unix:Linux:2.4.x (loopback)
	{Linux, specific, "Linux 2.4.x (loopback)", "*:64:0:16396:mss*2,0:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:141"},
	// p0f.fp label s:unix:Linux:2.2.x (loopback)
	{Linux, specific, "Linux 2.2.x (loopback)", "*:64:0:3884:mss*8,0:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:144"},
	// p0f.fp label s:unix:Linux:2.6.x (Google crawler)
	{Linux, specific, "Linux 2.6.x (Google crawler)", "4:64:0:1430:mss*4,6:mss,sok,ts,nop,ws::0", "p0f.fp:149"},
	// p0f.fp label s:unix:Linux:(Android)
	{Linux, specific, "Linux (Android)", "*:64:0:*:mss*44,1:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:152"},
	{Linux, specific, "Linux (Android)", "*:64:0:*:mss*44,3:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:153"},
	// p0f.fp label g:unix:Linux:3.x
	{Linux, generic, "Linux 3.x", "*:64:0:*:mss*10,*:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:158"},
	// p0f.fp label g:unix:Linux:2.4.x-2.6.x
	{Linux, generic, "Linux 2.4.x-2.6.x", "*:64:0:*:mss*4,*:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:161"},
	// p0f.fp label g:unix:Linux:2.2.x-3.x
	{Linux, generic, "Linux 2.2.x-3.x", "*:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0", "p0f.fp:164"},
	// p0f.fp label g:unix:Linux:2.2.x-3.x (no timestamps)
	{Linux, generic, "Linux 2.2.x-3.x (no timestamps)", "*:64:0:*:*,*:mss,nop,nop,sok,nop,ws:df,id+:0", "p0f.fp:167"},
	// p0f.fp label g:unix:Linux:2.2.x-3.x (barebone)
	{Linux, generic, "Linux 2.2.x-3.x (barebone)", "*:64:0:*:*,0:mss:df,id+:0", "p0f.fp:170"},
	// p0f.fp label s:win:Windows:XP
	{Windows, specific, "Windows XP", "*:128:0:*:16384,0:mss,nop,nop,sok:df,id+:0", "p0f.fp:177"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss,nop,nop,sok:df,id+:0", "p0f.fp:178"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:179"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,1:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:180"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,2:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:181"},
	// p0f.fp label s:win:Windows:7 or 8
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,0:mss,nop,nop,sok:df,id+:0", "p0f.fp:184"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,2:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:185"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:186"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,2:mss,nop,ws,sok,ts:df,id+:0", "p0f.fp:187"},
	// p0f.fp label s:win:Windows:7 (Websense crawler)
	{Windows, specific, "Windows 7 (Websense crawler)", "*:64:0:1380:mss*4,6:mss,nop,nop,ts,nop,ws:df,id+:0", "p0f.fp:192"},
	{Windows, specific, "Windows 7 (Websense crawler)", "*:64:0:1380:mss*4,7:mss,nop,nop,ts,nop,ws:df,id+:0", "p0f.fp:193"},
	// p0f.fp label g:win:Windows:NT kernel 5.x
	{Windows, generic, "Windows NT kernel 5.x", "*:128:0:*:16384,*:mss,nop,nop,sok:df,id+:0", "p0f.fp:198"},
	{Windows, generic, "Windows NT kernel 5.x", "*:128:0:*:65535,*:mss,nop,nop,sok:df,id+:0", "p0f.fp:199"},
	{Windows, generic, "Windows NT kernel 5.x", "*:128:0:*:16384,*:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:200"},
	{Windows, generic, "Windows NT kernel 5.x", "*:128:0:*:65535,*:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:201"},
	// p0f.fp label g:win:Windows:NT kernel 6.x
	{Windows, generic, "Windows NT kernel 6.x", "*:128:0:*:8192,*:mss,nop,nop,sok:df,id+:0", "p0f.fp:204"},
	{Windows, generic, "Windows NT kernel 6.x", "*:128:0:*:8192,*:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:205"},
	// p0f.fp label g:win:Windows:NT kernel
	{Windows, generic, "Windows NT kernel", "*:128:0:*:*,*:mss,nop,nop,sok:df,id+:0", "p0f.fp:208"},
	{Windows, generic, "Windows NT kernel", "*:128:0:*:*,*:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:209"},
	// p0f.fp label s:unix:Mac OS X:10.x
	{Apple, specific, "Mac OS X 10.x", "*:64:0:*:65535,1:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0", "p0f.fp:216"},
	{Apple, specific, "Mac OS X 10.x", "*:64:0:*:65535,3:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0", "p0f.fp:217"},
	// p0f.fp label s:unix:MacOS X:10.9 or newer (sometimes iPhone or iPad)
	{Apple, specific, "MacOS X 10.9 or newer (sometimes iPhone or iPad)", "*:64:0:*:65535,4:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0", "p0f.fp:220"},
	// p0f.fp label s:unix:iOS:iPhone or iPad
	{Apple, specific, "iOS iPhone or iPad", "*:64:0:*:65535,2:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0", "p0f.fp:223"},
	// p0f.fp label g:unix:Mac OS X:
	{Apple, generic, "Mac OS X", "*:64:0:*:65535,*:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0", "p0f.fp:228"},
	// p0f.fp label s:unix:FreeBSD:9.x or newer
	{FreeBSD, specific, "FreeBSD 9.x or newer", "*:64:0:*:65535,6:mss,nop,ws,sok,ts:df,id+:0", "p0f.fp:235"},
	// p0f.fp label s:unix:FreeBSD:8.x
	{FreeBSD, specific, "FreeBSD 8.x", "*:64:0:*:65535,3:mss,nop,ws,sok,ts:df,id+:0", "p0f.fp:238"},
	// p0f.fp label g:unix:FreeBSD:
	{FreeBSD, generic, "FreeBSD", "*:64:0:*:65535,*:mss,nop,ws,sok,ts:df,id+:0", "p0f.fp:243"},
	// p0f.fp label s:unix:OpenBSD:3.x
	{OpenBSD, specific, "OpenBSD 3.x", "*:64:0:*:16384,0:mss,nop,nop,sok,nop,ws,nop,nop,ts:df,id+:0", "p0f.fp:250"},
	// p0f.fp label s:unix:OpenBSD:4.x-5.x
	{OpenBSD, specific, "OpenBSD 4.x-5.x", "*:64:0:*:16384,3:mss,nop,nop,sok,nop,ws,nop,nop,ts:df,id+:0", "p0f.fp:253"},
	// p0f.fp label s:unix:Solaris:8
	{Solaris, specific, "Solaris 8", "*:64:0:*:32850,1:nop,ws,nop,nop,ts,nop,nop,sok,mss:df,id+:0", "p0f.fp:260"},
	// p0f.fp label s:unix:Solaris:10
	{Solaris, specific, "Solaris 10", "*:64:0:*:mss*34,0:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:263"},
	// p0f.fp label s:!:NMap:SYN scan
	{Unknown, tool, "NMap SYN scan", "*:64-:0:1460:1024,0:mss::0", "p0f.fp:295"},
	{Unknown, tool, "NMap SYN scan", "*:64-:0:1460:2048,0:mss::0", "p0f.fp:296"},
	{Unknown, tool, "NMap SYN scan", "*:64-:0:1460:3072,0:mss::0", "p0f.fp:297"},
	{Unknown, tool, "NMap SYN scan", "*:64-:0:1460:4096,0:mss::0", "p0f.fp:298"},
	// p0f.fp label s:!:NMap:OS detection
	{Unknown, tool, "NMap OS detection", "*:64-:0:265:512,0:mss,sok,ts:ack+:0", "p0f.fp:302"},
	{Unknown, tool, "NMap OS detection", "*:64-:0:0:4,10:sok,ts,ws,eol+0:ack+:0", "p0f.fp:303"},
	{Unknown, tool, "NMap OS detection", "*:64-:0:1460:1,10:ws,nop,mss,ts,sok:ack+:0", "p0f.fp:304"},
	{Unknown, tool, "NMap OS detection", "*:64-:0:536:16,10:mss,sok,ts,ws,eol+0:ack+:0", "p0f.fp:305"},
	{Unknown, tool, "NMap OS detection", "*:64-:0:640:4,5:ts,nop,nop,ws,nop,mss:ack+:0", "p0f.fp:306"},
	{Unknown, tool, "NMap OS detection", "*:64-:0:1400:63,0:mss,ws,sok,ts,eol+0:ack+:0", "p0f.fp:307"},
	{Unknown, tool, "NMap OS detection", "*:64-:0:265:31337,10:ws,nop,mss,ts,sok:ack+:0", "p0f.fp:308"},
	{Unknown, tool, "NMap OS detection", "*:64-:0:1460:3,10:ws,nop,mss,sok,nop,nop:ecn,uptr+:0", "p0f.fp:309"},
	// Not in p0f.fp: seen from Linux 6.x kernels in this repository's captures.
	{Linux, generic, "Linux 3.x+ (IPv6)", "6:64:0:*:*,*:mss,sok,ts,nop,ws:flow:0", "IPv6 SYNs of pcaps/*-ipv6.pcap: the flow label Linux sets (auto_flowlabels) is a quirk no p0f.fp Linux row allows"},
	{Linux, generic, "Linux 3.x+ (port reuse)", "*:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+,ts2+:0", "pcaps/reuse-client-time-wait.pcap: a SYN reusing a TIME_WAIT port echoes the old timestamp"},
}

// synAckRows are the SYN-ACK signatures: p0f.fp [tcp:response].
var synAckRows = []row{
	// p0f.fp label s:unix:Linux:3.x
	{Linux, specific, "Linux 3.x", "*:64:0:*:mss*10,0:mss:df:0", "p0f.fp:362"},
	{Linux, specific, "Linux 3.x", "*:64:0:*:mss*10,0:mss,sok,ts:df:0", "p0f.fp:363"},
	{Linux, specific, "Linux 3.x", "*:64:0:*:mss*10,0:mss,nop,nop,ts:df:0", "p0f.fp:364"},
	{Linux, specific, "Linux 3.x", "*:64:0:*:mss*10,0:mss,nop,nop,sok:df:0", "p0f.fp:365"},
	{Linux, specific, "Linux 3.x", "*:64:0:*:mss*10,*:mss,nop,ws:df:0", "p0f.fp:366"},
	{Linux, specific, "Linux 3.x", "*:64:0:*:mss*10,*:mss,sok,ts,nop,ws:df:0", "p0f.fp:367"},
	{Linux, specific, "Linux 3.x", "*:64:0:*:mss*10,*:mss,nop,nop,ts,nop,ws:df:0", "p0f.fp:368"},
	{Linux, specific, "Linux 3.x", "*:64:0:*:mss*10,*:mss,nop,nop,sok,nop,ws:df:0", "p0f.fp:369"},
	// p0f.fp label s:unix:Linux:2.4-2.6
	{Linux, specific, "Linux 2.4-2.6", "*:64:0:*:mss*4,0:mss:df:0", "p0f.fp:372"},
	{Linux, specific, "Linux 2.4-2.6", "*:64:0:*:mss*4,0:mss,sok,ts:df:0", "p0f.fp:373"},
	{Linux, specific, "Linux 2.4-2.6", "*:64:0:*:mss*4,0:mss,nop,nop,ts:df:0", "p0f.fp:374"},
	{Linux, specific, "Linux 2.4-2.6", "*:64:0:*:mss*4,0:mss,nop,nop,sok:df:0", "p0f.fp:375"},
	// p0f.fp label s:unix:Linux:2.4.x
	{Linux, specific, "Linux 2.4.x", "*:64:0:*:mss*4,0:mss,nop,ws:df:0", "p0f.fp:378"},
	{Linux, specific, "Linux 2.4.x", "*:64:0:*:mss*4,0:mss,sok,ts,nop,ws:df:0", "p0f.fp:379"},
	{Linux, specific, "Linux 2.4.x", "*:64:0:*:mss*4,0:mss,nop,nop,ts,nop,ws:df:0", "p0f.fp:380"},
	{Linux, specific, "Linux 2.4.x", "*:64:0:*:mss*4,0:mss,nop,nop,sok,nop,ws:df:0", "p0f.fp:381"},
	// p0f.fp label s:unix:Linux:2.6.x
	{Linux, specific, "Linux 2.6.x", "*:64:0:*:mss*4,*:mss,nop,ws:df:0", "p0f.fp:384"},
	{Linux, specific, "Linux 2.6.x", "*:64:0:*:mss*4,*:mss,sok,ts,nop,ws:df:0", "p0f.fp:385"},
	{Linux, specific, "Linux 2.6.x", "*:64:0:*:mss*4,*:mss,nop,nop,ts,nop,ws:df:0", "p0f.fp:386"},
	{Linux, specific, "Linux 2.6.x", "*:64:0:*:mss*4,*:mss,nop,nop,sok,nop,ws:df:0", "p0f.fp:387"},
	// p0f.fp label s:win:Windows:XP
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss:df,id+:0", "p0f.fp:394"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss,nop,ws:df,id+:0", "p0f.fp:395"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss,nop,nop,sok:df,id+:0", "p0f.fp:396"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss,nop,nop,ts:df,id+,ts1-:0", "p0f.fp:397"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:398"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss,nop,ws,nop,nop,ts:df,id+,ts1-:0", "p0f.fp:399"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss,nop,nop,ts,nop,nop,sok:df,id+,ts1-:0", "p0f.fp:400"},
	{Windows, specific, "Windows XP", "*:128:0:*:65535,0:mss,nop,ws,nop,nop,ts,nop,nop,sok:df,id+,ts1-:0", "p0f.fp:401"},
	{Windows, specific, "Windows XP", "*:128:0:*:16384,0:mss:df,id+:0", "p0f.fp:403"},
	{Windows, specific, "Windows XP", "*:128:0:*:16384,0:mss,nop,ws:df,id+:0", "p0f.fp:404"},
	{Windows, specific, "Windows XP", "*:128:0:*:16384,0:mss,nop,nop,sok:df,id+:0", "p0f.fp:405"},
	{Windows, specific, "Windows XP", "*:128:0:*:16384,0:mss,nop,nop,ts:df,id+,ts1-:0", "p0f.fp:406"},
	{Windows, specific, "Windows XP", "*:128:0:*:16384,0:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:407"},
	{Windows, specific, "Windows XP", "*:128:0:*:16384,0:mss,nop,ws,nop,nop,ts:df,id+,ts1-:0", "p0f.fp:408"},
	{Windows, specific, "Windows XP", "*:128:0:*:16384,0:mss,nop,nop,ts,nop,nop,sok:df,id+,ts1-:0", "p0f.fp:409"},
	{Windows, specific, "Windows XP", "*:128:0:*:16384,0:mss,nop,ws,nop,nop,ts,nop,nop,sok:df,id+,ts1-:0", "p0f.fp:410"},
	// p0f.fp label s:win:Windows:7 or 8
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,0:mss:df,id+:0", "p0f.fp:413"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,0:mss,sok,ts:df,id+:0", "p0f.fp:414"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,8:mss,nop,ws:df,id+:0", "p0f.fp:415"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,0:mss,nop,nop,ts:df,id+:0", "p0f.fp:416"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,0:mss,nop,nop,sok:df,id+:0", "p0f.fp:417"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,8:mss,nop,ws,sok,ts:df,id+:0", "p0f.fp:418"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,8:mss,nop,ws,nop,nop,ts:df,id+:0", "p0f.fp:419"},
	{Windows, specific, "Windows 7 or 8", "*:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:420"},
	// p0f.fp label s:unix:FreeBSD:9.x
	{FreeBSD, specific, "FreeBSD 9.x", "*:64:0:*:65535,6:mss,nop,ws:df,id+:0", "p0f.fp:427"},
	{FreeBSD, specific, "FreeBSD 9.x", "*:64:0:*:65535,6:mss,nop,ws,sok,ts:df,id+:0", "p0f.fp:428"},
	{FreeBSD, specific, "FreeBSD 9.x", "*:64:0:*:65535,6:mss,nop,ws,sok,eol+1:df,id+:0", "p0f.fp:429"},
	{FreeBSD, specific, "FreeBSD 9.x", "*:64:0:*:65535,6:mss,nop,ws,nop,nop,ts:df,id+:0", "p0f.fp:430"},
	// p0f.fp label s:unix:FreeBSD:8.x
	{FreeBSD, specific, "FreeBSD 8.x", "*:64:0:*:65535,3:mss,nop,ws:df,id+:0", "p0f.fp:433"},
	{FreeBSD, specific, "FreeBSD 8.x", "*:64:0:*:65535,3:mss,nop,ws,sok,ts:df,id+:0", "p0f.fp:434"},
	{FreeBSD, specific, "FreeBSD 8.x", "*:64:0:*:65535,3:mss,nop,ws,sok,eol+1:df,id+:0", "p0f.fp:435"},
	{FreeBSD, specific, "FreeBSD 8.x", "*:64:0:*:65535,3:mss,nop,ws,nop,nop,ts:df,id+:0", "p0f.fp:436"},
	// p0f.fp label s:unix:FreeBSD:8.x-9.x
	{FreeBSD, specific, "FreeBSD 8.x-9.x", "*:64:0:*:65535,0:mss,sok,ts:df,id+:0", "p0f.fp:439"},
	{FreeBSD, specific, "FreeBSD 8.x-9.x", "*:64:0:*:65535,0:mss,sok,eol+1:df,id+:0", "p0f.fp:440"},
	{FreeBSD, specific, "FreeBSD 8.x-9.x", "*:64:0:*:65535,0:mss,nop,nop,ts:df,id+:0", "p0f.fp:441"},
	// p0f.fp label s:unix:OpenBSD:5.x
	{OpenBSD, specific, "OpenBSD 5.x", "*:64:0:1460:16384,0:mss,nop,nop,sok:df,id+:0", "p0f.fp:448"},
	{OpenBSD, specific, "OpenBSD 5.x", "*:64:0:1460:16384,3:mss,nop,ws:df,id+:0", "p0f.fp:449"},
	{OpenBSD, specific, "OpenBSD 5.x", "*:64:0:1460:16384,3:mss,nop,nop,sok,nop,ws:df,id+:0", "p0f.fp:450"},
	{OpenBSD, specific, "OpenBSD 5.x", "*:64:0:1460:16384,0:mss,nop,nop,ts:df,id+:0", "p0f.fp:451"},
	{OpenBSD, specific, "OpenBSD 5.x", "*:64:0:1460:16384,0:mss,nop,nop,sok,nop,nop,ts:df,id+:0", "p0f.fp:452"},
	{OpenBSD, specific, "OpenBSD 5.x", "*:64:0:1460:16384,3:mss,nop,ws,nop,nop,ts:df,id+:0", "p0f.fp:453"},
	{OpenBSD, specific, "OpenBSD 5.x", "*:64:0:1460:16384,3:mss,nop,nop,sok,nop,ws,nop,nop,ts:df,id+:0", "p0f.fp:454"},
	// p0f.fp label s:unix:Mac OS X:10.x
	{Apple, specific, "Mac OS X 10.x", "*:64:0:*:65535,0:mss,nop,ws:df,id+:0", "p0f.fp:464"},
	{Apple, specific, "Mac OS X 10.x", "*:64:0:*:65535,0:mss,sok,eol+1:df,id+:0", "p0f.fp:465"},
	{Apple, specific, "Mac OS X 10.x", "*:64:0:*:65535,0:mss,nop,nop,ts:df,id+:0", "p0f.fp:466"},
	{Apple, specific, "Mac OS X 10.x", "*:64:0:*:65535,0:mss,nop,ws,sok,eol+1:df,id+:0", "p0f.fp:467"},
	{Apple, specific, "Mac OS X 10.x", "*:64:0:*:65535,0:mss,nop,ws,nop,nop,ts:df,id+:0", "p0f.fp:468"},
	{Apple, specific, "Mac OS X 10.x", "*:64:0:*:65535,0:mss,nop,nop,ts,sok,eol+1:df,id+:0", "p0f.fp:469"},
	{Apple, specific, "Mac OS X 10.x", "*:64:0:*:65535,0:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0", "p0f.fp:470"},
	// p0f.fp label s:unix:Solaris:6
	{Solaris, specific, "Solaris 6", "4:255:0:*:mss*7,0:mss:df,id+:0", "p0f.fp:480"},
	{Solaris, specific, "Solaris 6", "4:255:0:*:mss*7,0:nop,ws,mss:df,id+:0", "p0f.fp:481"},
	{Solaris, specific, "Solaris 6", "4:255:0:*:mss*7,0:nop,nop,ts,mss:df,id+:0", "p0f.fp:482"},
	{Solaris, specific, "Solaris 6", "4:255:0:*:mss*7,0:nop,nop,ts,nop,ws,mss:df,id+:0", "p0f.fp:483"},
	// p0f.fp label s:unix:Solaris:8
	{Solaris, specific, "Solaris 8", "*:64:0:*:mss*19,0:mss:df,id+:0", "p0f.fp:486"},
	{Solaris, specific, "Solaris 8", "*:64:0:*:mss*19,0:nop,ws,mss:df,id+:0", "p0f.fp:487"},
	{Solaris, specific, "Solaris 8", "*:64:0:*:mss*19,0:nop,nop,ts,mss:df,id+:0", "p0f.fp:488"},
	{Solaris, specific, "Solaris 8", "*:64:0:*:mss*19,0:nop,nop,sok,mss:df,id+:0", "p0f.fp:489"},
	{Solaris, specific, "Solaris 8", "*:64:0:*:mss*19,0:nop,nop,ts,nop,ws,mss:df,id+:0", "p0f.fp:490"},
	{Solaris, specific, "Solaris 8", "*:64:0:*:mss*19,0:nop,ws,nop,nop,sok,mss:df,id+:0", "p0f.fp:491"},
	{Solaris, specific, "Solaris 8", "*:64:0:*:mss*19,0:nop,nop,ts,nop,nop,sok,mss:df,id+:0", "p0f.fp:492"},
	{Solaris, specific, "Solaris 8", "*:64:0:*:mss*19,0:nop,nop,ts,nop,ws,nop,nop,sok,mss:df,id+:0", "p0f.fp:493"},
	// p0f.fp label s:unix:Solaris:10
	{Solaris, specific, "Solaris 10", "*:64:0:*:mss*37,0:mss:df,id+:0", "p0f.fp:496"},
	{Solaris, specific, "Solaris 10", "*:64:0:*:mss*37,0:mss,nop,ws:df,id+:0", "p0f.fp:497"},
	{Solaris, specific, "Solaris 10", "*:64:0:*:mss*37,0:nop,nop,ts,mss:df,id+:0", "p0f.fp:498"},
	{Solaris, specific, "Solaris 10", "*:64:0:*:mss*37,0:mss,nop,nop,sok:df,id+:0", "p0f.fp:499"},
	{Solaris, specific, "Solaris 10", "*:64:0:*:mss*37,0:nop,nop,ts,mss,nop,ws:df,id+:0", "p0f.fp:500"},
	{Solaris, specific, "Solaris 10", "*:64:0:*:mss*37,0:mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:501"},
	{Solaris, specific, "Solaris 10", "*:64:0:*:mss*37,0:nop,nop,ts,mss,nop,nop,sok:df,id+:0", "p0f.fp:502"},
	{Solaris, specific, "Solaris 10", "*:64:0:*:mss*37,0:nop,nop,ts,mss,nop,ws,nop,nop,sok:df,id+:0", "p0f.fp:503"},
	// Not in p0f.fp: seen from Linux 6.x kernels in this repository's captures.
	{Linux, generic, "Linux 4.x+", "*:64:0:*:mss*45,*:mss,sok,ts,nop,ws:df:0", "SYN-ACKs of pcaps/*.pcap: window 65160 = 45*(mss-12), which p0f.fp (mss*10 and mss*4 only) does not know"},
	{Linux, generic, "Linux 4.x+ (no options but MSS)", "*:64:0:*:mss*44,0:mss:df:0", "pcaps/scan-vertical.pcap: the answer to a SYN carrying only an MSS option"},
	{Linux, generic, "Linux 4.x+ (IPv6)", "6:64:0:*:mss*45,*:mss,sok,ts,nop,ws:flow:0", "SYN-ACKs of pcaps/*-ipv6.pcap, with the flow label Linux sets"},
}
