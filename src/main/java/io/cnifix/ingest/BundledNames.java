package io.cnifix.ingest;

/**
 * The name tables bundled with cnifix, in the /etc/services and /etc/protocols formats, as constants: reading them
 * as jar resources cost a short run more than everything it parses.
 */
final class BundledNames {
    private BundledNames() {
    }

    static final String SERVICES = """
            # Service names iptables-restore resolves through getservbyname(3), for reading dumps away from the host they
            # came from. One service per line: name port/protocol [aliases...]. Numbers are IANA's assignments.
            tcpmux 1/tcp
            echo 7/tcp
            echo 7/udp
            discard 9/tcp sink null
            discard 9/udp sink null
            systat 11/tcp users
            daytime 13/tcp
            daytime 13/udp
            netstat 15/tcp
            qotd 17/tcp quote
            chargen 19/tcp ttytst source
            chargen 19/udp ttytst source
            ftp-data 20/tcp
            ftp 21/tcp
            ssh 22/tcp
            telnet 23/tcp
            smtp 25/tcp mail
            time 37/tcp timserver
            time 37/udp timserver
            whois 43/tcp nicname
            tacacs 49/tcp
            tacacs 49/udp
            domain 53/tcp
            domain 53/udp
            bootps 67/udp
            bootpc 68/udp
            tftp 69/udp
            gopher 70/tcp
            finger 79/tcp
            http 80/tcp www
            kerberos 88/tcp kerberos5 krb5 kerberos-sec
            kerberos 88/udp kerberos5 krb5 kerberos-sec
            pop3 110/tcp pop-3
            sunrpc 111/tcp portmapper
            sunrpc 111/udp portmapper
            auth 113/tcp authentication tap ident
            nntp 119/tcp readnews untp
            ntp 123/udp
            epmap 135/tcp loc-srv
            epmap 135/udp loc-srv
            netbios-ns 137/udp
            netbios-dgm 138/udp
            netbios-ssn 139/tcp
            imap2 143/tcp imap
            snmp 161/tcp
            snmp 161/udp
            snmp-trap 162/tcp snmptrap
            snmp-trap 162/udp snmptrap
            bgp 179/tcp
            irc 194/tcp
            ldap 389/tcp
            ldap 389/udp
            https 443/tcp
            https 443/udp
            microsoft-ds 445/tcp
            kpasswd 464/tcp
            kpasswd 464/udp
            submissions 465/tcp ssmtp smtps urd
            isakmp 500/udp
            exec 512/tcp
            biff 512/udp comsat
            login 513/tcp
            who 513/udp whod
            shell 514/tcp cmd
            syslog 514/udp
            printer 515/tcp spooler
            talk 517/udp
            ntalk 518/udp
            route 520/udp router routed
            tempo 526/tcp newdate
            uucp 540/tcp uucpd
            afpovertcp 548/tcp
            nntps 563/tcp snntp
            submission 587/tcp
            ipp 631/tcp
            ldaps 636/tcp
            ldaps 636/udp
            rsync 873/tcp
            ftps-data 989/tcp
            ftps 990/tcp
            telnets 992/tcp
            imaps 993/tcp
            pop3s 995/tcp
            socks 1080/tcp
            openvpn 1194/tcp
            openvpn 1194/udp
            ms-sql-s 1433/tcp
            ms-sql-m 1434/udp
            l2f 1701/udp l2tp
            pptp 1723/tcp
            radius 1812/tcp
            radius 1812/udp
            radius-acct 1813/tcp radacct
            radius-acct 1813/udp radacct
            nfs 2049/tcp
            nfs 2049/udp
            gnunet 2086/tcp
            gnunet 2086/udp
            mysql 3306/tcp
            ms-wbt-server 3389/tcp
            svn 3690/tcp subversion
            sip 5060/tcp
            sip 5060/udp
            xmpp-client 5222/tcp jabber-client
            xmpp-server 5269/tcp jabber-server
            postgresql 5432/tcp postgres
            x11 6000/tcp x11-0
            ircd 6667/tcp
            http-alt 8080/tcp webcache
            """;

    static final String PROTOCOLS = """
            # Protocol names iptables-restore resolves through getprotobyname(3), for reading dumps away from the host they
            # came from. One per line: name number [aliases...]. Numbers are IANA's assignments.
            ip 0 IP
            hopopt 0 HOPOPT
            icmp 1 ICMP
            igmp 2 IGMP
            ggp 3 GGP
            ipencap 4 IP-ENCAP
            st 5 ST
            tcp 6 TCP
            egp 8 EGP
            igp 9 IGP
            pup 12 PUP
            udp 17 UDP
            hmp 20 HMP
            xns-idp 22 XNS-IDP
            rdp 27 RDP
            iso-tp4 29 ISO-TP4
            dccp 33 DCCP
            xtp 36 XTP
            ddp 37 DDP
            idpr-cmtp 38 IDPR-CMTP
            ipv6 41 IPv6
            ipv6-route 43 IPv6-Route
            ipv6-frag 44 IPv6-Frag
            idrp 45 IDRP
            rsvp 46 RSVP
            gre 47 GRE
            esp 50 IPSEC-ESP
            ah 51 IPSEC-AH
            skip 57 SKIP
            ipv6-icmp 58 IPv6-ICMP
            ipv6-nonxt 59 IPv6-NoNxt
            ipv6-opts 60 IPv6-Opts
            rspf 73 RSPF CPHB
            vmtp 81 VMTP
            eigrp 88 EIGRP
            ospf 89 OSPFIGP
            ax.25 93 AX.25
            ipip 94 IPIP
            etherip 97 ETHERIP
            encap 98 ENCAP
            pim 103 PIM
            ipcomp 108 IPCOMP
            vrrp 112 VRRP
            l2tp 115 L2TP
            isis 124 ISIS
            sctp 132 SCTP
            fc 133 FC
            mobility-header 135 Mobility-Header
            udplite 136 UDPLite
            mpls-in-ip 137 MPLS-in-IP
            manet 138
            hip 139 HIP
            shim6 140 Shim6
            wesp 141 WESP
            rohc 142 ROHC
            ethernet 143 Ethernet
            """;
}
