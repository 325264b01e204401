-- wirestat.lua: a Wireshark postdissector showing wirestat's conclusions
-- on every TCP frame of a capture written by `wirestat --annotate`.
--
-- It reads nothing but the annotated file's packet comments: the
-- machine-readable "wirestat/1 ..." line wirestat adds to each frame that
-- changed a state or is evidence of a finding. It adds a "wirestat" tree
-- with these fields, usable as display filters and columns:
--
--   wirestat.stream            the connection (equal to tcp.stream)
--   wirestat.client_state      the client's state after this frame
--   wirestat.server_state      the server's state after this frame
--   wirestat.community_id      the connection's Community ID (v1)
--   wirestat.transition        a state change this frame caused
--   wirestat.finding           a finding this frame is evidence of
--   wirestat.finding.kind      its kind (syn_rejected, half_closed, ...)
--   wirestat.finding.severity  its severity (info, low, medium, high)
--   wirestat.evidence          "KIND SUBJECT" of that finding
--
-- States are carried from the frame that set them to every later frame of
-- the same tcp.stream. Install: copy this file to the personal Lua plugins
-- folder (~/.local/lib/wireshark/plugins/ on Linux and macOS,
-- %APPDATA%\Wireshark\plugins on Windows), or load it once with
-- tshark -X lua_script:wirestat.lua.

local wirestat = Proto("wirestat", "wirestat TCP state reconstruction")

local pf = {
	stream = ProtoField.uint32("wirestat.stream", "Stream"),
	client_state = ProtoField.string("wirestat.client_state", "Client state"),
	server_state = ProtoField.string("wirestat.server_state", "Server state"),
	community_id = ProtoField.string("wirestat.community_id", "Community ID"),
	transition = ProtoField.string("wirestat.transition", "Transition"),
	finding = ProtoField.string("wirestat.finding", "Finding"),
	kind = ProtoField.string("wirestat.finding.kind", "Kind"),
	severity = ProtoField.string("wirestat.finding.severity", "Severity"),
	evidence = ProtoField.string("wirestat.evidence", "Evidence of"),
}
wirestat.fields = {
	pf.stream, pf.client_state, pf.server_state, pf.community_id,
	pf.transition, pf.finding, pf.kind, pf.severity, pf.evidence,
}

local ef = {
	chat = ProtoExpert.new("wirestat.finding.chat", "wirestat finding", expert.group.SEQUENCE, expert.severity.CHAT),
	note = ProtoExpert.new("wirestat.finding.note", "wirestat finding", expert.group.SEQUENCE, expert.severity.NOTE),
	warn = ProtoExpert.new("wirestat.finding.warn", "wirestat finding", expert.group.SEQUENCE, expert.severity.WARN),
	error = ProtoExpert.new("wirestat.finding.error", "wirestat finding", expert.group.SEQUENCE, expert.severity.ERROR),
}
wirestat.experts = { ef.chat, ef.note, ef.warn, ef.error }
local expert_for = { info = ef.chat, low = ef.note, medium = ef.warn, high = ef.error }

local comment_field = Field.new("frame.comment")
local stream_field = Field.new("tcp.stream")

local PREFIX = "wirestat/1 "

-- frames[number]: what the first pass learnt about a frame.
-- current[stream]: the states and Community ID as of the last frame seen.
local frames, current = {}, {}

function wirestat.init()
	frames, current = {}, {}
end

local function unescape(s)
	return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- parse reads one machine line into note (fields set, lists appended).
local function parse(line, note)
	for item in line:sub(#PREFIX + 1):gmatch("[^;]+") do
		local key, val = item:match("^([%w_]+)=(.*)$")
		if key then
			val = unescape(val)
			if key == "transition" or key == "finding" then
				table.insert(note[key], val)
			elseif key == "stream" then
				note.stream = tonumber(val)
			else
				note[key] = val
			end
		end
	end
end

-- learn builds the frame's record on the first pass, in frame order.
local function learn(number)
	local note = { transition = {}, finding = {} }
	for _, fi in ipairs({ comment_field() }) do
		local c = fi.value
		if type(c) == "string" and c:sub(1, #PREFIX) == PREFIX then
			parse(c, note)
		end
	end
	local sf = stream_field()
	local stream = note.stream or (sf and sf.value)
	if stream ~= nil then
		local cur = current[stream]
		if note.client then
			cur = { client = note.client, server = note.server, community_id = note.community_id }
			current[stream] = cur
		end
		if cur then
			note.stream = stream
			note.client, note.server, note.community_id = cur.client, cur.server, cur.community_id
		end
	end
	frames[number] = note
	return note
end

function wirestat.dissector(tvb, pinfo, tree)
	local note = frames[pinfo.number]
	if note == nil then
		if pinfo.visited then
			return
		end
		note = learn(pinfo.number)
	end
	if note.client == nil and #note.finding == 0 then
		return
	end
	local t = tree:add(wirestat)
	if note.stream then
		t:add(pf.stream, note.stream)
	end
	if note.client then
		t:add(pf.client_state, note.client)
		t:add(pf.server_state, note.server)
		if note.community_id then
			t:add(pf.community_id, note.community_id)
		end
		t:append_text(": client " .. note.client .. ", server " .. note.server)
	end
	for _, tr in ipairs(note.transition) do
		local role, from, to, cause = tr:match("^(%S+) (%S+) (%S+) ?(.*)$")
		if role then
			t:add(pf.transition, role .. " " .. from .. " -> " .. to .. " (" .. cause .. ")")
		end
	end
	for _, f in ipairs(note.finding) do
		local sev, kind, subject, summary = f:match("^(%S+) (%S+) (%S+) ?(.*)$")
		if sev then
			local ft = t:add(pf.finding, "[" .. sev .. "] " .. kind .. " " .. subject .. ": " .. summary)
			ft:add(pf.kind, kind)
			ft:add(pf.severity, sev)
			ft:add(pf.evidence, kind .. " " .. subject)
			ft:add_proto_expert_info(expert_for[sev] or ef.note, kind .. " " .. subject .. ": " .. summary)
		end
	end
end

register_postdissector(wirestat)
