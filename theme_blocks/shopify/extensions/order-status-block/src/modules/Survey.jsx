import {useState} from 'preact/hooks';

/** The NPS question (0-10) and an optional comment; `send(body)` posts the answer. */
export function Survey({view, send, t}) {
  const [score, setScore] = useState(null);
  const [comment, setComment] = useState('');
  const [state, setState] = useState('ask'); // ask | busy | failed
  if (view.answered) {
    return (
      <s-stack gap="small-500">
        <s-heading>{view.title}</s-heading>
        <s-text>{view.thanks}</s-text>
        {view.voucher && <s-text>{view.voucher.label} <s-text type="strong">{view.voucher.code}</s-text></s-text>}
      </s-stack>
    );
  }
  const submit = async () => {
    setState('busy');
    setState(send && (await send({score: Number(score), comment: comment || null})) ? 'ask' : 'failed');
  };
  return (
    <s-stack gap="small-500">
      <s-heading>{view.title}</s-heading>
      <s-choice-list label={view.question} name="score" variant="inline" values={score === null ? [] : [score]}
        onChange={(event) => setScore(event.currentTarget.values[0] ?? null)}>
        {view.scores.map((value) => <s-choice key={value} value={value}>{value}</s-choice>)}
      </s-choice-list>
      <s-text color="subdued">{view.scale}</s-text>
      <s-text-area label={view.commentLabel} maxLength={1000} value={comment}
        onInput={(event) => setComment(event.currentTarget.value)} />
      {state === 'failed' && <s-text tone="critical">{t('sendFailed')}</s-text>}
      <s-button variant="primary" disabled={score === null} loading={state === 'busy'} onClick={submit}>
        {view.submit}
      </s-button>
    </s-stack>
  );
}
