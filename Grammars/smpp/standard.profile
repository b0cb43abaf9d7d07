# SMPP 3.4 as the specification reads it: the profile of a link unless its URL names
# another (…&profile=NAME reads Grammars/smpp/NAME.profile). One `key = value` a line;
# numbers in decimal or 0x hex; `#` starts a comment. Every key must be given.

# What data_coding 0 means on this link: gsm (GSM 03.38, a septet per octet),
# gsm-packed, latin1 or ascii.
default_alphabet = gsm

# A reply longer than one SMS: udh (concatenated parts with a user data header) or
# payload (one submit_sm, the whole text in message_payload).
long_reply = udh

# USSD: a deliver_sm is USSD when its service_type is this or it carries ussd_service_op.
ussd_service_type = USSD
# ussd_service_op values (SMPP 3.4 §5.3.2.44): in, the subscriber dialled a string
# (PSSR indication) or answered a screen (USSR confirm); out, a screen that waits for
# an answer (USSR request) or the last one (PSSR response). The abort value is no 3.4
# code: 0x81 is the one common vendor profiles use for "the subscriber hung up".
ussd_op_pssr_indication = 1
ussd_op_ussr_confirm = 18
ussd_op_ussr_request = 2
ussd_op_pssr_response = 17
ussd_op_abort = 0x81

# Where the USSD string is: short_message or destination_addr.
ussd_string = short_message

# The TLV in which this SMSC sends its own id of an MO, the same when it delivers the MO
# again (its deliver_sm_resp was lost): a tag in 0x hex, or none. With none, an MO is
# recognised by its source, destination, text and part within the link's dedupe window.
mo_id_tlv = none
