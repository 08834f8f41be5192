import { customLogFormat, defineLogFormat } from './log-format.js';

/*
 * The NCSA family (common, combined and their relatives), each an instance of the log_format
 * compiler so that there is one parsing mechanism. Order matters for auto-detection: on a tie
 * (same lines matched, same fields captured) the earlier, simpler format wins.
 */

export const APACHE_COMMON = '%h %l %u %t "%r" %>s %b';
export const APACHE_COMBINED = '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"';
export const NGINX_COMBINED =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

export const common = defineLogFormat({
  name: 'common',
  description: `NCSA common log format (Apache ${APACHE_COMMON})`,
  format: APACHE_COMMON,
});

export const combined = defineLogFormat({
  name: 'combined',
  description: 'NCSA combined: common + "referer" "user-agent" (Apache combined, the nginx default)',
  format: APACHE_COMBINED,
});

export const vhostCombined = defineLogFormat({
  name: 'vhost_combined',
  description: 'combined after the virtual host (Apache %v:%p, nginx $host or $host:$server_port); the port is dropped',
  format: `$host ${NGINX_COMBINED}`,
});

export const nginxMain = defineLogFormat({
  name: 'nginx_main',
  description: 'nginx "main" (the Docker image default): combined + "$http_x_forwarded_for"; the client is the forwarded address',
  format: `${NGINX_COMBINED} "$http_x_forwarded_for"`,
});

export const nginxIngress = defineLogFormat({
  name: 'nginx_ingress',
  description: 'ingress-nginx "upstreaminfo": combined + request length and time, upstream name, address, length, time, status, request id',
  format:
    `${NGINX_COMBINED} $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] ` +
    '$upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
});

export const sslRequest = defineLogFormat({
  name: 'ssl_request',
  description: 'Apache mod_ssl ssl_request_log: %t %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x "%r" %b (no status)',
  format: '%t %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x "%r" %b',
});

/** `--format nginx --log-format '...'`: any nginx log_format (default: combined). */
export const nginx = customLogFormat('nginx', 'nginx', NGINX_COMBINED);

/** `--format apache --log-format '...'`: any Apache LogFormat (default: combined). */
export const apache = customLogFormat('apache', 'apache', APACHE_COMBINED);

export const clfFormats = [common, combined, vhostCombined, nginxMain, nginxIngress, sslRequest, nginx, apache];
