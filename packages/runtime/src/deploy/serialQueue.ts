// Runs async callbacks one after another, so a watcher never hands out two bundles at once.
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  push(task: () => Promise<void> | void, onError: (error: unknown) => void): Promise<void> {
    this.tail = this.tail.then(task).catch(onError);
    return this.tail;
  }

  drained(): Promise<void> {
    return this.tail;
  }
}
