#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-25-12-57-14
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents	community_id
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]	string
1795611434.049493	ClwnQgf8efPJuSTisC	fd00:213::1	40001	fd00:213::2	80	tcp	-	0.000415	6	6	SF	-	-	0	ShADadFf	6	446	4	302	-	1:HqwZ92z4cmyDeT72YxqvYslCFaw=
#close	2026-11-25-12-57-14
