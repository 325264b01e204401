#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-12-02-13-40-35
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents	community_id
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]	string
1796218835.785963	ClwnQgf8efPJuSTisC	10.213.0.1	40002	10.213.0.2	80	tcp	-	-	-	-	OTH	-	-	0	^a	0	0	1	52	-	1:3xOUY4Pv95z3IkQRP2DW6Jl4Uoc=
1796218835.786013	CplbPwCHg2SC9uILNt	10.213.0.1	40001	10.213.0.2	80	tcp	-	0.008771	0	0	SHR	-	-	0	^afA	1	52	2	104	-	1:ezRjmkFzIguo5sYUIIeXBUcfrrs=
#close	2026-12-02-13-40-35
