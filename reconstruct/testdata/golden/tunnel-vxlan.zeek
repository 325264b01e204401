#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-12-02-09-24-54
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents	community_id
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]	string
1796203494.234901	ClwnQgf8efPJuSTisC	10.214.0.1	40001	10.214.0.2	80	tcp	-	0.000998	6	6	SF	-	-	0	ShADadFf	6	326	4	222	CKqSQbaGysq3j03uyK	1:fJWCk/gGQOG+BuloaymZr9WkKQo=
#close	2026-12-02-09-24-54
