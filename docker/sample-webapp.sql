-- A sample of the web app's database (sandbox and stack stand-in): run as a superuser in
-- database llm_webapp, owned by role llm_user.
set role llm_user;
create table users (id serial primary key, email text unique not null, created_at timestamptz default now());
create table documents (id serial primary key, user_id int references users, file_name text not null,
                        size_bytes bigint, uploaded_at timestamptz default now());
create table chat_messages (id bigserial primary key, user_id int references users, role text, content text,
                            created_at timestamptz default now());
insert into users (email) select 'user' || g || '@example.org' from generate_series(1, 20) g;
insert into documents (user_id, file_name, size_bytes)
  select 1 + g % 20, 'doc_' || g || '.pdf', 1000 + g * 37 from generate_series(1, 200) g;
insert into chat_messages (user_id, role, content)
  select 1 + g % 20, case when g % 2 = 0 then 'user' else 'assistant' end, repeat('message ' || g || ' ', 5)
  from generate_series(1, 5000) g;
