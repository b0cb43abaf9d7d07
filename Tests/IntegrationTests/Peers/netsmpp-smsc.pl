#!/usr/bin/perl
# An operator's SMSC / USSD gateway played by Net::SMPP (Debian libnet-smpp-perl), for the
# SMPP client link of `selfcare serve --smsc`. It listens on 127.0.0.1 (port 0: any; the
# port is printed as "PORT n"), takes Selfcare's bind, pushes MOs and checks every reply
# PDU, drops the connection and waits for the reconnect, then unbinds. Prints "ok …" or
# "not ok …" per check and exits 0 when every check passed.
use strict;
use warnings;
use utf8;
use Net::SMPP;
use Encode qw(decode encode);
use IO::Handle;
use IO::Select;

STDOUT->autoflush(1);
binmode STDOUT, ':encoding(UTF-8)';
my ($system_id, $password) = ('selfcare', 'secret');
my $listener = Net::SMPP->new_listen('127.0.0.1', port => ($ARGV[0] // 0), smpp_version => 0x34)
    or die "listen: $!";
print "PORT ", $listener->sockport, "\n";
$SIG{ALRM} = sub { print "not ok timeout\n"; exit 1 };
alarm 60;

my $failures = 0;
# The condition is given as a code block, so that a failed match is false, not an empty list.
sub check { my ($cond, $what) = @_; my $ok = $cond->(); print(($ok ? "ok" : "not ok"), " $what\n"); $failures++ unless $ok; }

my $conn;
sub accept_bind {
    $conn = $listener->accept or die "accept: $!";
    my $bind = $conn->read_pdu or die "no bind";
    check(sub { $bind->{cmd} == 0x00000009 }, "bind_transceiver (cmd " . sprintf('0x%x', $bind->{cmd}) . ")");
    check(sub { ($bind->{system_id} // '') eq $system_id && ($bind->{password} // '') eq $password }, "bind credentials");
    $conn->bind_transceiver_resp(system_id => 'NETSMPP', seq => $bind->{seq});
}

# The next PDU; enquire_link is answered on the way.
sub next_pdu {
    while (1) {
        my $pdu = $conn->read_pdu or die "connection lost: " . ($conn->{smpperror} // '?');
        if ($pdu->{cmd} == 0x00000015) { $conn->enquire_link_resp(seq => $pdu->{seq}); next; }
        return $pdu;
    }
}

sub text_of {
    my ($pdu) = @_;
    my $sm = $pdu->{short_message} // '';
    $sm = substr($sm, ord(substr($sm, 0, 1)) + 1) if ($pdu->{esm_class} // 0) & 0x40;
    return ($pdu->{data_coding} // 0) == 8 ? decode('UCS-2BE', $sm) : $sm;
}

# Sends an MO, checks its deliver_sm_resp, reads `parts` submit_sm and answers them.
sub mo {
    my ($from, $to, $text, %opt) = @_;
    my $parts = delete $opt{parts} // 1;
    my $seq = $conn->deliver_sm(source_addr_ton => 1, source_addr_npi => 1, source_addr => $from,
                                dest_addr_ton => 0, dest_addr_npi => 1, destination_addr => $to,
                                data_coding => 0, short_message => $text, async => 1, %opt);
    my $resp = next_pdu();
    check(sub { $resp->{cmd} == 0x80000005 && $resp->{seq} == $seq && $resp->{status} == 0 },
          "deliver_sm_resp for $to '$text' (status $resp->{status})");
    my @replies;
    for (1 .. $parts) {
        my $reply = next_pdu();
        check(sub { $reply->{cmd} == 0x00000004 }, "submit_sm follows");
        $conn->submit_sm_resp(message_id => "m$reply->{seq}", seq => $reply->{seq});
        push @replies, $reply;
    }
    return @replies;
}

accept_bind();

# A GSM MO, a GSM reply from the short code to the sender.
my ($r) = mo('36302222222', '1730', 'balance');
check(sub { $r->{source_addr} eq '1730' && $r->{destination_addr} eq '36302222222' }, "reply addressed back");
check(sub { ($r->{data_coding} // 0) == 0 && text_of($r) =~ /^Unbilled this month: 3 450 Ft/ }, "GSM reply: " . text_of($r));

# A UCS-2 MO; the Hungarian reply in UCS-2.
($r) = mo('36301111111', '777', encode('UCS-2BE', "HÍREK"), data_coding => 8);
check(sub { $r->{data_coding} == 8 && text_of($r) =~ /^Feliratkozt\x{e1}l: HIREK\./ }, "UCS-2 in and out");

# A three-part concatenated MO (8-bit reference UDH), parts out of order: one command,
# every part answered once it has committed, then one reply.
my %pending;
for my $part ([3, 'RT'], [1, 'SP'], [2, 'O']) {
    my $seq = $conn->deliver_sm(source_addr_ton => 1, source_addr_npi => 1, source_addr => '36301111111',
                                dest_addr_ton => 0, dest_addr_npi => 1, destination_addr => '777', esm_class => 0x40,
                                short_message => pack('C6', 5, 0, 3, 0x42, 3, $part->[0]) . $part->[1], async => 1);
    $pending{$seq} = 1;
}
for (1 .. 3) {
    my $resp = next_pdu();
    check(sub { $resp->{cmd} == 0x80000005 && delete($pending{$resp->{seq}}) && $resp->{status} == 0 }, "a part's deliver_sm_resp");
}
$r = next_pdu();
$conn->submit_sm_resp(message_id => "m$r->{seq}", seq => $r->{seq});
check(sub { $r->{cmd} == 0x00000004 && text_of($r) =~ /^Feliratkozt\x{e1}l: SPORT\./ }, "concatenated MO is one command: " . text_of($r));

# A USSD dialogue: *1412#, 3 (billing), * (back), 0 (agent: the end).
my $session = 0x21;
sub ussd {
    my ($input, $op, $n) = @_;
    my ($reply) = mo('36301111111', '1412', $input, service_type => 'USSD',
                     ussd_service_op => chr($op), its_session_info => pack('CC', $session, $n << 1));
    my $info = $reply->{its_session_info} // '';
    return ($reply, ord($reply->{ussd_service_op} // "\xff"), length($info) == 2 ? unpack('CC', $info) : (-1, -1));
}
my ($screen, $op, $sid, $octet2) = ussd('*1412#', 1, 0);
check(sub { $op == 2 && text_of($screen) =~ /^Telekom 1412\n/ }, "*1412# opens the menu (USSR request)");
check(sub { $sid == $session && ($octet2 & 1) == 0 }, "its_session_info echoed, session open");
($screen, $op) = ussd('3', 18, 1);
check(sub { $op == 2 && text_of($screen) !~ /^Telekom 1412\n/ }, "3 opens a sub-menu: " . (split /\n/, text_of($screen))[0]);
($screen, $op) = ussd('*', 18, 2);
check(sub { $op == 2 && text_of($screen) =~ /^Telekom 1412\n/ }, "* goes back to the main menu");
($screen, $op, $sid, $octet2) = ussd('0', 18, 3);
check(sub { $op == 17 && text_of($screen) =~ /visszahivja/ }, "0 ends with the agent text (PSSR response)");
check(sub { ($octet2 & 1) == 1 }, "end-of-session bit on the last screen");

# An MMI code: forwarding status, one screen, the end.
$session = 0x22;
($screen, $op) = ussd('*#21#', 1, 0);
check(sub { $op == 17 }, "*#21# answered at once (PSSR response): " . text_of($screen));

# The SMSC drops the connection: Selfcare binds again and goes on.
$conn->close;
accept_bind();
($r) = mo('36302222222', '1730', 'BALANCE');
check(sub { text_of($r) =~ /^Unbilled/ }, "after a reconnect the link works");

# An MO delivered again (as after a lost deliver_sm_resp): answered like the original,
# ESME_ROK and the same reply, and not run again (the test counts the audit rows).
my ($again) = mo('36302222222', '1730', 'BALANCE');
check(sub { text_of($again) eq text_of($r) }, "a redelivered MO gets the same reply");
check(sub { !IO::Select->new($conn)->can_read(0.3) }, "and nothing more");

# Selfcare answers our enquire_link.
my $eseq = $conn->enquire_link(async => 1);
my $eresp = next_pdu();
check(sub { $eresp->{cmd} == 0x80000015 && $eresp->{seq} == $eseq }, "enquire_link answered");

# We unbind; Selfcare answers (then reconnects, which the test does not wait for).
my $useq = $conn->unbind(async => 1);
my $uresp = next_pdu();
check(sub { $uresp->{cmd} == 0x80000006 && $uresp->{seq} == $useq }, "unbind answered");

print $failures ? "FAILED $failures\n" : "PASSED\n";
exit($failures ? 1 : 0);
