#!/bin/bash
# Runs ufw inside the lab's host namespace with a private copy of its configuration: called as
# "ip netns exec NS unshare -m bash ufw-setup.sh DIR", so the bind mounts below exist only for this process tree
# and ufw's rules go to that namespace alone. DIR holds the private etc-ufw/ and default-ufw copies.
set -euo pipefail
dir=$1
mount --bind "$dir/etc-ufw" /etc/ufw
mount --bind "$dir/default-ufw" /etc/default/ufw
mount -t tmpfs tmpfs /run
ufw --force reset >/dev/null
ufw default deny incoming
ufw default deny routed
ufw allow 22/tcp
ufw limit 2222/tcp
ufw allow from 192.0.2.0/25 to any port 8443 proto tcp
ufw deny from 203.0.113.0/24
ufw allow in on eth1 to any port 53
ufw allow http
ufw route allow in on eth0 out on docker0 to 172.17.0.2 port 80 proto tcp
ufw --force enable
