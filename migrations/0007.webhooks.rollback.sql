-- CASCADE: also the lists table's trigger, where there is one
DROP FUNCTION webhook_outbox() CASCADE;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_queue;
DROP SEQUENCE webhook_queue_seq;
DROP TABLE webhook_events;
DROP FUNCTION webhook_events_enqueue();
DROP TABLE webhook_subscriptions;
