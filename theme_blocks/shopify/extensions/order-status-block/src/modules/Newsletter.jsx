import {useState} from 'preact/hooks';

/** Newsletter sign-up for the order's address; the API sends the double opt-in mail. */
export function Newsletter({view, send, t}) {
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  const subscribe = async () => {
    setBusy(true);
    const answer = send ? await send({}) : null;
    setBusy(false);
    setMessage(answer?.message || t('sendFailed'));
  };
  return (
    <s-stack gap="small-500">
      <s-heading>{view.title}</s-heading>
      <s-text>{message || view.text}</s-text>
      {view.cta && !message && <s-button loading={busy} onClick={subscribe}>{view.cta}</s-button>}
      {view.note && !message && <s-text color="subdued">{view.note}</s-text>}
    </s-stack>
  );
}
