/**
 * The redrive of an SQS dead-letter queue back to its source queue, without I/O.
 *
 * On AWS: an SQS message move task ("StartMessageMoveTask", "ListMessageMoveTasks", SQS API reference; "Learn how to
 * configure a dead-letter queue redrive", SQS developer guide) from the dead-letter queue to the source queue, followed
 * until it ends. SQS runs one task per source queue at a time and refuses a second: a run that finds one running (a
 * colleague's, or its own earlier run that stopped following) reports it and follows it instead of starting another.
 *
 * Locally: fauxqs has no move tasks (its README lists StartMessageMoveTask, ListMessageMoveTasks and
 * CancelMessageMoveTask as not implemented), so `moveLocally` does what the task does, as those pages describe it:
 * the messages present when it starts, oldest first, each sent to the destination with its body and message
 * attributes as a new message (new message id, its retention and receive count start again) and then deleted from the
 * dead-letter queue. Not imitated: the velocity (messages per second) and cancelling.
 *
 * Before a move the messages are read once (held, then made visible again) to list them: their ids, and the reason of
 * a dead letter a function wrote itself (functions/lib/dead-letters.ts, `condition: MalformedRecord`). Such a message
 * goes back too: the function reads it again and dead-letters it again with its reason, unless a fix now reads it.
 */
import type { HeldQueue, QueueMessage } from './sqs-queue';

export interface Letter {
  messageId: string;
  /** Why the function dead-lettered it itself; none for a message SQS moved after maxReceiveCount receives. */
  reason?: string;
}

export function letterOf(message: QueueMessage): Letter {
  try {
    const body = JSON.parse(message.body) as unknown;
    if (typeof body === 'object' && body !== null && (body as { condition?: unknown }).condition === 'MalformedRecord') {
      const reason = (body as { reason?: unknown }).reason;
      return { messageId: message.messageId, reason: typeof reason === 'string' ? reason : 'MalformedRecord' };
    }
  } catch {
    // Not JSON: a message as its producer sent it, which is what a dead-letter queue holds.
  }
  return { messageId: message.messageId };
}

/** Reads every message once to list it, and makes them all visible again. */
export async function inspect(queue: HeldQueue): Promise<Letter[]> {
  const messages = await queue.receiveAll();
  await queue.release(messages);
  return messages.map(letterOf);
}

export interface MoveSummary {
  dryRun: boolean;
  /** The messages found when the move started (none listed when a task was already running). */
  letters: Letter[];
  /** Locally: each message moved, with its new id in the source queue. */
  moved: { from: string; to: string }[];
  /** Locally: messages that could not be sent on (still in the dead-letter queue). */
  notMoved: { messageId: string; reason: string }[];
  /** On AWS: the move task, as ListMessageMoveTasks last reported it. */
  task?: TaskReport;
}

/** Locally: the move a task does, message by message; a message that cannot be sent stays. */
export async function moveLocally(deps: {
  deadLetters: HeldQueue;
  /** Sends a copy (body and message attributes) to the source queue; its new message id. */
  sendToSource(message: QueueMessage): Promise<string>;
  dryRun?: boolean;
}): Promise<MoveSummary> {
  const dryRun = deps.dryRun ?? false;
  const messages = await deps.deadLetters.receiveAll();
  const summary: MoveSummary = { dryRun, letters: messages.map(letterOf), moved: [], notMoved: [] };
  if (dryRun) {
    await deps.deadLetters.release(messages);
    return summary;
  }
  const keep: QueueMessage[] = [];
  for (const message of messages) {
    let to: string;
    try {
      to = await deps.sendToSource(message);
    } catch (error) {
      summary.notMoved.push({ messageId: message.messageId, reason: error instanceof Error ? error.message : String(error) });
      keep.push(message);
      continue;
    }
    // Deleted one by one right after its copy is sent: a run that stops leaves at most one message in both queues.
    await deps.deadLetters.delete([message]);
    summary.moved.push({ from: message.messageId, to });
  }
  await deps.deadLetters.release(keep);
  return summary;
}

/** One entry of ListMessageMoveTasks (newest first). */
export interface MoveTask {
  /** RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED. */
  status: string;
  /** Only while the task runs. */
  taskHandle?: string;
  startedTimestamp?: number;
  approximateNumberOfMessagesMoved?: number;
  approximateNumberOfMessagesToMove?: number;
  failureReason?: string;
}

export interface TaskReport extends MoveTask {
  /** Started by this run; false: one that was running already was followed. */
  startedHere: boolean;
  /** Still running when the run stopped following it. */
  stillRunning: boolean;
}

export interface MoveTaskDeps {
  /** ListMessageMoveTasks for the dead-letter queue. */
  list(): Promise<MoveTask[]>;
  /** StartMessageMoveTask from the dead-letter queue to the source queue; the task handle. */
  start(): Promise<string>;
  deadLetters: HeldQueue;
  dryRun?: boolean;
  /** How long to follow the task before reporting it as still running. */
  followMs: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Between this machine's clock and SQS's StartedTimestamp. */
const CLOCK_SKEW_MS = 60_000;

const isActive = (task: MoveTask | undefined) => task?.status === 'RUNNING' || task?.status === 'CANCELLING';

export async function moveWithTask(deps: MoveTaskDeps): Promise<MoveSummary> {
  const dryRun = deps.dryRun ?? false;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = deps.now ?? Date.now;
  const summary: MoveSummary = { dryRun, letters: [], moved: [], notMoved: [] };

  const running = (await deps.list()).find(isActive);
  let started: { handle: string; at: number } | undefined;
  if (!running) {
    // Not while a task runs: holding its messages to list them would take them from under it.
    summary.letters = await inspect(deps.deadLetters);
    if (dryRun || summary.letters.length === 0) return summary;
    const at = now();
    try {
      started = { handle: await deps.start(), at };
    } catch (error) {
      // Only one task per source queue: another run started one since the list above. Follow that one.
      if (!(await deps.list()).some(isActive)) throw error;
    }
  } else if (dryRun) {
    summary.task = { ...running, startedHere: false, stillRunning: true };
    return summary;
  }

  // One task per source queue at a time, so the newest task listed is the one started or found above (its handle is
  // listed only while it runs); right after a start the list may not show it yet, and shows an older one instead.
  const isOurs = (task: MoveTask) =>
    !started || task.taskHandle === started.handle || (task.startedTimestamp ?? 0) >= started.at - CLOCK_SKEW_MS;
  const deadline = now() + deps.followMs;
  for (;;) {
    const [task] = await deps.list();
    const listed = task !== undefined && isOurs(task);
    const stillRunning = !listed || isActive(task);
    if (!stillRunning || now() >= deadline) {
      summary.task = listed
        ? { ...task, startedHere: started !== undefined, stillRunning }
        : { status: 'NOT LISTED YET', taskHandle: started?.handle, startedHere: started !== undefined, stillRunning };
      return summary;
    }
    await sleep(deps.pollMs ?? 2000);
  }
}

/** Nothing left for another run: every message moved, the task (if any) completed. */
export function moveSettled(summary: MoveSummary): boolean {
  if (summary.dryRun) return true;
  if (summary.notMoved.length > 0) return false;
  return summary.task === undefined || summary.task.status === 'COMPLETED';
}

export function formatMove(queueName: string, sourceName: string, summary: MoveSummary): string {
  const lines = [`${queueName} → ${sourceName}${summary.dryRun ? ' (dry run: nothing moved)' : ''}`];
  const withReason = summary.letters.filter((l) => l.reason !== undefined);
  lines.push(`  ${summary.letters.length} message(s) in the dead-letter queue${withReason.length ? `, ${withReason.length} dead-lettered by the function with a reason` : ''}`);
  const newId = new Map(summary.moved.map((m) => [m.from, m.to]));
  for (const letter of summary.letters) {
    const to = newId.get(letter.messageId);
    lines.push(`    ${letter.messageId}${to ? ` → ${to}` : ''}${letter.reason ? `  reason: ${letter.reason}` : ''}`);
  }
  if (!summary.dryRun && summary.task === undefined && (summary.moved.length > 0 || summary.notMoved.length > 0)) {
    lines.push(`  ${summary.moved.length} moved, ${summary.notMoved.length} not moved`);
  }
  for (const n of summary.notMoved) lines.push(`    not moved ${n.messageId}: ${n.reason}`);
  const task = summary.task;
  if (task) {
    const counts = `${task.approximateNumberOfMessagesMoved ?? 0} of ${task.approximateNumberOfMessagesToMove ?? '?'} moved`;
    const origin = task.startedHere ? 'started by this run' : 'already running (SQS runs one per queue): followed, none started';
    lines.push(`  move task${task.taskHandle ? ` ${task.taskHandle}` : ''} ${origin}: ${task.status}, ${counts}`);
    if (task.failureReason) lines.push(`    failure reason: ${task.failureReason}`);
    if (task.stillRunning && !summary.dryRun) lines.push('    still running: run the command again to follow it');
  } else if (!summary.dryRun && summary.letters.length === 0) {
    lines.push('  nothing to move');
  }
  return lines.join('\n');
}
