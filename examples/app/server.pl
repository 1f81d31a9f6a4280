#!/usr/bin/perl
# example-app's light runtime: the same HTTP contract as server.js in a process of a few MB, so a
# sandbox fleet of a thousand instances fits one machine (bench/fleet-scale). A release built with
# EXAMPLE_APP_RUNTIME=perl (build-artifact.sh) ships it and a RUNTIME file that makes bin/start.sh
# run it instead of server.js.
#
#   GET /health  200 {"status":"ok","version":"<v>","instanceId":"<id>"}  (500 "failing" with FAIL_HEALTH)
#   GET /        200 hello from example-app <v>
#   anything else 404
use strict;
use warnings;
use File::Basename qw(dirname);
use IO::Socket::INET;

my $release_dir = dirname(__FILE__);
my $version = 'unknown';
if (open(my $file, '<', "$release_dir/VERSION")) {
  local $/;
  ($version = <$file> // '') =~ s/\s+$//;
  $version = 'unknown' if $version eq '';
}
my $port = $ENV{PORT} || 8080;
my $host = $ENV{HOST} || $ENV{PRIVATE_IP} || '0.0.0.0';
my $instance_id = $ENV{INSTANCE_ID} || `hostname`;
chomp $instance_id;

my $server = IO::Socket::INET->new(LocalAddr => $host, LocalPort => $port, Listen => 128, ReuseAddr => 1)
  or die "example-app $version: cannot listen on $host:$port: $!\n";
$| = 1;
print "example-app $version listening on $host:$port (instance $instance_id, light runtime)\n";
# Requests are answered one at a time, so at a signal none is in flight: stop at once.
for my $signal (qw(TERM INT)) {
  $SIG{$signal} = sub { print "example-app $version: SIG$signal, finishing in-flight requests\nexample-app $version: stopped\n"; exit 0 };
}

sub reply {
  my ($client, $status, $type, $body) = @_;
  my %reason = (200 => 'OK', 404 => 'Not Found', 500 => 'Internal Server Error');
  print $client "HTTP/1.1 $status $reason{$status}\r\nContent-Type: $type\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
}

while (my $client = $server->accept) {
  my $request = <$client> // '';
  # Read the headers to their end, so the reply never races the client's request body.
  while (my $line = <$client>) { last if $line =~ /^\r?\n$/; }
  my ($method, $target) = split / /, $request;
  $target //= '/';
  $target =~ s/\?.*//;
  if (($method // '') eq 'GET' && $target eq '/health') {
    my $failing = ($ENV{EXAMPLE_APP_FAIL_HEALTH} // '') eq '1' || -e "$release_dir/FAIL_HEALTH";
    my $body = sprintf('{"status":"%s","version":"%s","instanceId":"%s"}', $failing ? 'failing' : 'ok', $version, $instance_id);
    reply($client, $failing ? 500 : 200, 'application/json', $body);
  } elsif (($method // '') eq 'GET' && $target eq '/') {
    reply($client, 200, 'text/plain; charset=utf-8', "hello from example-app $version\n");
  } else {
    reply($client, 404, 'text/plain; charset=utf-8', "not found\n");
  }
  close $client;
}
