/**
 * A webhook URL as we show it anywhere (the job's status, error messages, logs):
 * scheme and host only. Receivers often put a token in the path or query
 * (`https://hooks.example.com/T0K3N`), and whoever reads a status or a log must not
 * be able to post to the receiver as us.
 *
 * @example
 * shownWebhookUrl('https://hooks.example.com:8443/services/T0K3N?key=x') // 'https://hooks.example.com:8443'
 */
export function shownWebhookUrl(url: string): string {
  try {
    const { protocol, host } = new URL(url);
    return `${protocol}//${host}`;
  } catch {
    return '(not a URL)';
  }
}
