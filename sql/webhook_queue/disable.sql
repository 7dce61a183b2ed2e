-- The receiver of subscription %(subscription_id)s of %(user_id)s answered 410 Gone: disable it.
UPDATE webhook_subscriptions SET enabled = false, updated_at = now()
WHERE user_id = %(user_id)s AND id = %(subscription_id)s;
