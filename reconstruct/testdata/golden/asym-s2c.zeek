#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-12-02-09-12-26
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents	community_id
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]	string
1796202746.395407	ClwnQgf8efPJuSTisC	10.213.0.1	40001	10.213.0.2	80	tcp	-	0.000974	0	6	SHR	-	-	0	^hadf	0	0	4	222	-	1:ezRjmkFzIguo5sYUIIeXBUcfrrs=
1796202746.396519	CplbPwCHg2SC9uILNt	10.213.0.1	40002	10.213.0.2	80	tcp	-	0.002654	0	6	SHR	-	-	0	^hadf	0	0	5	274	-	1:3xOUY4Pv95z3IkQRP2DW6Jl4Uoc=
1796202746.400047	CQGRbR1GQbzC2kTbXM	10.213.0.1	40003	10.213.0.2	80	tcp	-	0.042397	0	6	OTH	-	-	0	^had	0	0	4	222	-	1:mFNjbw90OC4whmypcD2pN4zp+/0=
1796202746.400707	CDolzNQrzaU2NCKdnk	10.213.0.1	40004	10.213.0.2	81	tcp	-	-	-	-	RSTRH	-	-	0	^r	0	0	1	40	-	1:0pBfdAIUAbUQuIymYqkJgxYYA2k=
1796202746.401051	Cw2TELs66wT9pn7OOu	10.213.0.1	40005	10.213.0.2	80	tcp	-	0.000416	0	6	OTH	-	-	0	^had	0	0	3	170	-	1:NoUz+8fM24crt8mORnaaCp/YKmA=
1796202746.401602	CuHLCzQsa2V8GoNoXE	10.213.0.1	40006	10.213.0.2	80	tcp	-	0.000664	0	6	OTH	-	-	0	^had	0	0	3	170	-	1:YfhXFTCCG5YNvJrWTYihE2B6AgE=
#close	2026-12-02-09-12-26
