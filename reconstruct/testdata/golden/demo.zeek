#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-25-12-57-20
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents	community_id
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]	string
1795611440.475379	ClwnQgf8efPJuSTisC	10.213.0.1	40001	10.213.0.2	80	tcp	-	0.000289	6	6	SF	-	-	0	ShADadFf	6	326	4	222	-	1:ezRjmkFzIguo5sYUIIeXBUcfrrs=
1795611440.475732	CplbPwCHg2SC9uILNt	10.213.0.1	40002	10.213.0.2	80	tcp	-	0.045697	6	6	S2	-	-	0	ShADadF	5	274	4	222	-	1:3xOUY4Pv95z3IkQRP2DW6Jl4Uoc=
1795611440.476239	CQGRbR1GQbzC2kTbXM	10.213.0.1	40003	10.213.0.2	81	tcp	-	0.000022	0	0	REJ	-	-	0	Sr	1	60	1	40	-	1:66cZeEel4hWEqV/mFg+C4BBbby8=
1795611440.476398	CDolzNQrzaU2NCKdnk	10.213.0.1	40004	10.213.0.2	80	tcp	-	0.000225	6	6	RSTO	-	-	0	ShADadR	5	274	3	170	-	1:O+r7swJ9ddUBDhukDVfS59JCHA0=
1795611440.477013	Cw2TELs66wT9pn7OOu	10.213.0.1	40005	10.213.0.2	82	tcp	-	1.028466	0	0	S0	-	-	0	S	2	120	0	0	-	1:LWW6KlOaLuMZyK7mLfJCyGMXA7g=
1795611440.480964	CuHLCzQsa2V8GoNoXE	10.213.0.1	40006	10.213.0.2	80	tcp	-	0.000201	6	6	S1	-	-	0	ShADad	4	222	3	170	-	1:YfhXFTCCG5YNvJrWTYihE2B6AgE=
#close	2026-11-25-12-57-21
